/**
 * The admin CLI's import and export as an operator runs them (real processes on a real database
 * file): a 100k-line file with bad lines of every kind gives exact counts and an exact rejects
 * file; a re-run changes nothing; kill -9 mid-import leaves whole batches, and a re-run completes
 * it to exactly the file's contacts; CSV; export → import → export is byte-identical; the same
 * through a server's API (--url), and --from-orq against a second server.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectedRejects,
  type ImportFile,
  importFile,
  parseRejects,
} from "./support/import-file.js";
import { processRunner } from "./support/server-process.js";

const dir = mkdtempSync(join(tmpdir(), "contacts-bulk-"));
const database = join(dir, "contacts.db");
const runner = processRunner({ DATABASE_URL: database, LOG_LEVEL: "warn" });
const { admin } = runner;
const path = (name: string) => join(dir, name);
let file: ImportFile;

beforeAll(async () => {
  file = importFile(100_000);
  writeFileSync(path("big.jsonl"), file.text);
  for (const workspace of ["main", "killed", "copy", "csv", "csv-copy", "orq", "remote-copy"]) {
    const made = await admin("keys", "create", "--workspace", workspace, "--create-database");
    expect(made.code).toBe(0);
  }
}, 120_000);
afterAll(() => {
  runner.killAll();
  rmSync(dir, { recursive: true, force: true });
});

interface Summary {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  rejected: number;
}
const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as Summary;

/** Workspace main's export (imported by the first test), read once. */
let mainExported: Promise<string> | undefined;
function mainExport(): Promise<string> {
  mainExported ??= admin("export", "-", "--workspace", "main").then((r) => r.stdout);
  return mainExported;
}

function countContacts(workspace: string): number {
  const db = new Database(database, { readonly: true, fileMustExist: true });
  try {
    return (
      db
        .prepare(
          "SELECT count(*) AS n FROM contacts c JOIN workspaces w ON w.id = c.workspace_id WHERE w.name = ?",
        )
        .get(workspace) as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

describe("import of a 100k-line JSON Lines file", () => {
  it("counts every outcome exactly and writes every rejected line to the rejects file", async () => {
    const run = await admin(
      "import",
      path("big.jsonl"),
      "--workspace",
      "main",
      "--rejects",
      path("rejects.jsonl"),
      "--json",
    );
    expect(run.code).toBe(3); // some lines were rejected
    expect(summaryOf(run.stdout)).toMatchObject({ ...file.counts, updated: 0, unchanged: 0 });
    const n = (x: number) => x.toLocaleString("en-US");
    expect(run.stderr).toContain(
      `import done: ${n(file.counts.read)} lines: ${n(file.counts.created)} created, 0 updated, 0 unchanged, ${n(file.counts.skipped)} skipped, ${n(file.counts.rejected)} rejected`,
    );
    const rejects = parseRejects(readFileSync(path("rejects.jsonl"), "utf8"));
    expect(rejects).toEqual(expectedRejects(file));
    for (const r of rejects) expect(r.error).toBe(r.message);
    expect(countContacts("main")).toBe(file.counts.created);
  }, 180_000);

  it("changes nothing when run again, in either mode", async () => {
    const again = await admin("import", path("big.jsonl"), "--workspace", "main", "--json");
    expect(summaryOf(again.stdout)).toMatchObject({
      created: 0,
      skipped: file.counts.created + file.counts.skipped,
      rejected: file.counts.rejected,
    });
    const upsert = await admin(
      "import",
      path("big.jsonl"),
      "--workspace",
      "main",
      "--mode",
      "upsert",
      "--json",
    );
    expect(summaryOf(upsert.stdout)).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: file.counts.created + file.counts.skipped,
    });
    expect(countContacts("main")).toBe(file.counts.created);
  }, 180_000);

  it("leaves whole batches after kill -9, and a re-run completes exactly the file", async () => {
    const proc = runner.run("src/admin/cli.ts", [
      "import",
      path("big.jsonl"),
      "--workspace",
      "killed",
    ]);
    let seen = 0;
    while (seen < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = countContacts("killed");
    }
    proc.child.kill("SIGKILL");
    await proc.exited;
    const left = countContacts("killed");
    expect(left).toBeLessThan(file.counts.created);
    expect(file.committedAfterBatches.has(left)).toBe(true);

    const rerun = await admin("import", path("big.jsonl"), "--workspace", "killed", "--json");
    expect(summaryOf(rerun.stdout)).toMatchObject({
      created: file.counts.created - left,
      skipped: file.counts.skipped + left,
    });
    const exported = await admin("export", "-", "--workspace", "killed");
    const reference = await admin("export", "-", "--workspace", "main");
    expect(exported.stdout).toBe(reference.stdout);
  }, 180_000);

  it("round-trips: export → import into an empty workspace → export gives the same bytes", async () => {
    expect((await admin("export", path("main.jsonl"), "--workspace", "main")).code).toBe(0);
    const copied = await admin("import", path("main.jsonl"), "--workspace", "copy", "--json");
    expect(copied.code).toBe(0);
    expect(summaryOf(copied.stdout)).toMatchObject({ created: file.counts.created, rejected: 0 });
    expect((await admin("export", path("copy.jsonl"), "--workspace", "copy")).code).toBe(0);
    expect(readFileSync(path("copy.jsonl"), "utf8")).toBe(readFileSync(path("main.jsonl"), "utf8"));
    // An export never overwrites a file.
    const again = await admin("export", path("copy.jsonl"), "--workspace", "copy");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists; refusing to overwrite it/);
  }, 180_000);
});

describe("CSV", () => {
  it("imports records with ;-separated tags and JSON metadata, rejecting bad records by line", async () => {
    const csv = [
      "external_id,display_name,email,avatar_url,tags,metadata",
      'c1,"Smith, Jane",jane@example.com,,premium;beta,"{""plan"":""pro""}"',
      "c2,,,,,",
      "c3,Bad Email,nope,,,",
      "c4,Bad Metadata,,,,{not json",
      "c5,Too,Many,Cells,,,,",
      'c6,"Multi',
      'line",,https://example.com/a.png,"[""semi;colon""]",',
    ].join("\n");
    writeFileSync(path("in.csv"), `${csv}\n`);
    const run = await admin(
      "import",
      path("in.csv"),
      "--workspace",
      "csv",
      "--rejects",
      path("csv-rejects.jsonl"),
      "--json",
    );
    expect(run.code).toBe(3);
    expect(summaryOf(run.stdout)).toMatchObject({ read: 6, created: 3, rejected: 3 });
    expect(
      parseRejects(readFileSync(path("csv-rejects.jsonl"), "utf8")).map((r) => [
        r.line,
        r.code,
        r.details,
      ]),
    ).toEqual([
      [4, "validation_failed", [{ path: "/body/email", message: 'must match format "email"' }]],
      [
        5,
        "malformed_json",
        [{ path: "/body/metadata", message: expect.stringMatching(/^is not valid JSON/) }],
      ],
      [6, "validation_failed", [{ path: "/body", message: "has 8 cells; the header has 6" }]],
    ]);
    const exported = await admin("export", "-", "--workspace", "csv", "--format", "csv");
    expect(exported.stdout).toBe(
      [
        "external_id,display_name,email,avatar_url,tags,metadata",
        'c1,"Smith, Jane",jane@example.com,,premium;beta,"{""plan"":""pro""}"',
        "c2,,,,,",
        'c6,"Multi',
        'line",,https://example.com/a.png,"[""semi;colon""]",',
        "",
      ].join("\n"),
    );
  });

  it("round-trips 100k contacts through CSV byte for byte", async () => {
    expect((await admin("export", path("main.csv"), "--workspace", "main")).code).toBe(0);
    const copied = await admin("import", path("main.csv"), "--workspace", "csv-copy", "--json");
    expect(summaryOf(copied.stdout)).toMatchObject({ created: file.counts.created, rejected: 0 });
    expect((await admin("export", path("csv-copy.csv"), "--workspace", "csv-copy")).code).toBe(0);
    expect(readFileSync(path("csv-copy.csv"), "utf8")).toBe(readFileSync(path("main.csv"), "utf8"));
    // And the JSON Lines export of the CSV copy is the original's.
    const jsonl = await admin("export", "-", "--workspace", "csv-copy");
    expect(jsonl.stdout).toBe(readFileSync(path("main.jsonl"), "utf8"));
  }, 180_000);
});

describe("through a server's API, and from another server", () => {
  let server: Awaited<ReturnType<typeof runner.startServer>>;
  let key: string;
  const serverDb = join(dir, "server.db");
  beforeAll(async () => {
    const made = await runner.run(
      "src/admin/cli.ts",
      ["keys", "create", "--workspace", "remote", "--create-database"],
      {
        DATABASE_URL: serverDb,
      },
    );
    await made.exited;
    key = made.out().trim();
    server = await runner.startServer({
      DATABASE_URL: serverDb,
      PORT: "0",
      HOST: "127.0.0.1",
      RATE_LIMIT_RPS: "0",
      // The listening line, which tells the port, is an info line.
      LOG_LEVEL: "info",
    });
  }, 180_000);

  it("--url imports with the same counts and rejects file as the database import", async () => {
    const run = await admin(
      "import",
      path("big.jsonl"),
      "--url",
      server.url,
      "--api-key",
      key,
      "--rejects",
      path("remote-rejects.jsonl"),
      "--json",
    );
    expect(run.code).toBe(3);
    expect(summaryOf(run.stdout)).toMatchObject({ ...file.counts, updated: 0, unchanged: 0 });
    expect(readFileSync(path("remote-rejects.jsonl"), "utf8")).toBe(
      readFileSync(path("rejects.jsonl"), "utf8"),
    );
    const exported = await admin("export", "-", "--url", server.url, "--api-key", key);
    expect(exported.stdout).toBe(await mainExport());
  }, 240_000);

  it("--from-orq reads every contact of an orq.ai-compatible list", async () => {
    const run = await admin(
      "import",
      "--from-orq",
      server.url,
      "--orq-api-key",
      key,
      "--workspace",
      "orq",
      "--json",
    );
    expect(run.code).toBe(0);
    expect(summaryOf(run.stdout)).toMatchObject({
      read: file.counts.created,
      created: file.counts.created,
    });
    // The list walks newest first: the same lines, in the reverse order.
    const exported = (await admin("export", "-", "--workspace", "orq")).stdout
      .split("\n")
      .filter(Boolean);
    const original = (await mainExport()).split("\n").filter(Boolean);
    expect(exported).toEqual(original.reverse());
  }, 240_000);
});
