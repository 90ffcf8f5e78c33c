/**
 * A large import file for tests: valid contacts with a sprinkling of bad lines of every kind the
 * rules refuse, repeated external_ids and blank lines, and what an import of it must report
 * (counts, every rejected line, the batches it commits), worked out from how it was built.
 */
import { expect } from "vitest";

export type LineKind = "valid" | "duplicate" | "blank" | "bad";

interface Rejected {
  line: number;
  code: string;
  details: unknown[];
}

/** Bad lines by kind, each with the rejection the import must write for it. */
const BAD: ((i: number) => { text: string; code: string; details: unknown[] })[] = [
  () => ({ text: "{oops", code: "malformed_json", details: [] }),
  (i) => ({
    text: JSON.stringify({ external_id: `bad_${i}`, email: "nope" }),
    code: "validation_failed",
    details: [{ path: "/body/email", message: 'must match format "email"' }],
  }),
  (i) => ({
    text: JSON.stringify({ external_id: `bad_${i}`, nickname: "x" }),
    code: "validation_failed",
    details: [{ path: "/body/nickname", message: "is not a known field" }],
  }),
  (i) => ({
    text: JSON.stringify({ external_id: `bad_${i}`, tags: ["a,b"] }),
    code: "validation_failed",
    details: [{ path: "/body/tags/0", message: expect.stringMatching(/^must match pattern/) }],
  }),
  () => ({
    text: JSON.stringify({ external_id: "\u0958".repeat(61) }),
    code: "validation_failed",
    details: [
      { path: "/body/external_id", message: "must NOT have more than 120 characters in NFC" },
    ],
  }),
  (i) => ({
    text: JSON.stringify({
      external_id: `bad_${i}`,
      metadata: Object.fromEntries(Array.from({ length: 51 }, (_, k) => [`k${k}`, k])),
    }),
    code: "validation_failed",
    details: [{ path: "/body/metadata", message: "must NOT have more than 50 properties" }],
  }),
  (i) => ({
    text: `{"external_id":"bad_${i}","display_name":"\\ud800"}`,
    code: "validation_failed",
    details: [
      { path: "/body/display_name", message: "must be valid Unicode (no lone surrogates)" },
    ],
  }),
  (i) => ({
    text: JSON.stringify({ external_id: `bad_${i}`, _id: "contact_01ARZ3NDEKTSV4RRFFQ69G5FAV" }),
    code: "immutable_field",
    details: [{ path: "/body/_id", message: "cannot be changed" }],
  }),
  (i) => ({
    text: JSON.stringify({ external_id: `bad_${i}`, display_name: "x".repeat(130 * 1024) }),
    code: "payload_too_large",
    details: [],
  }),
];

/** A valid contact's create body, varied by its number. */
export function contactAt(i: number): Record<string, unknown> {
  return {
    external_id: `user_${i}`,
    ...(i % 3 !== 0 && { display_name: `User ${i} é` }),
    ...(i % 5 === 0 && { email: `u${i}@example.com` }),
    ...(i % 7 === 0 && { avatar_url: `https://example.com/a/${i}.png` }),
    ...(i % 2 === 1 && { tags: ["a", `g${i % 10}`] }),
    ...(i % 4 === 0 && { metadata: { n: i, s: "x;y" } }),
  };
}

export interface ImportFile {
  /** JSON Lines text. */
  text: string;
  kinds: LineKind[];
  counts: { read: number; created: number; skipped: number; rejected: number };
  rejected: Rejected[];
  /** Contacts created after each batch commits (lines per batch: `batch`), from 0. */
  committedAfterBatches: Set<number>;
}

/**
 * `lines` lines: line 1000k is bad (kinds in turn; the over-long kind only twice, to keep the
 * file small), line 1000k + 500 repeats the line before it, line 25000k + 7 is blank.
 */
export function importFile(lines: number, batch = 1000): ImportFile {
  const out: string[] = [];
  const kinds: LineKind[] = [];
  const rejected: Rejected[] = [];
  let badTurn = 0;
  for (let i = 1; i <= lines; i++) {
    if (i % 1000 === 0) {
      let kind = BAD[badTurn++ % BAD.length] as (typeof BAD)[number];
      if (kind === BAD.at(-1) && badTurn > BAD.length * 2) kind = BAD[0] as (typeof BAD)[number];
      const bad = kind(i);
      out.push(bad.text);
      kinds.push("bad");
      rejected.push({ line: i, code: bad.code, details: bad.details });
    } else if (i % 1000 === 500) {
      out.push(JSON.stringify(contactAt(i - 1)));
      kinds.push("duplicate");
    } else if (i % 25_000 === 7) {
      out.push("");
      kinds.push("blank");
    } else {
      out.push(JSON.stringify(contactAt(i)));
      kinds.push("valid");
    }
  }
  const count = (kind: LineKind) => kinds.filter((k) => k === kind).length;
  return {
    text: `${out.join("\n")}\n`,
    kinds,
    counts: {
      read: lines - count("blank"),
      created: count("valid"),
      skipped: count("duplicate"),
      rejected: count("bad"),
    },
    rejected,
    committedAfterBatches: batchBoundaries(kinds, batch),
  };
}

/** The import runner's flush rule (a batch closes at `batch` rows plus rejections). */
function batchBoundaries(kinds: LineKind[], batch: number): Set<number> {
  const boundaries = new Set([0]);
  let pending = 0;
  let created = 0;
  for (const kind of kinds) {
    if (kind === "blank") continue;
    pending++;
    if (kind === "valid") created++;
    if (pending >= batch) {
      boundaries.add(created);
      pending = 0;
    }
  }
  boundaries.add(created);
  return boundaries;
}

/** The rejects file's lines, parsed. */
export function parseRejects(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** What each rejects-file line must be: the API's error shape plus the line number. */
export function expectedRejects(file: ImportFile) {
  return file.rejected.map((r) => ({
    line: r.line,
    error: expect.any(String),
    code: r.code,
    message: expect.any(String),
    details: r.details,
  }));
}
