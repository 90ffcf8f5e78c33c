// Deterministic contacts for every bench, and the two ways of writing them that bench:scale
// compares: the server's own store (its create path, batched in outer transactions) and a raw
// batched INSERT into the same schema. Search terms are planted with known selectivity, in the
// immutable external_id so that updates during a run never change what a search finds.
import { randomUUID } from "node:crypto";
import type { NewContact, SqliteDatabase, SqliteStores, Stores } from "@contacts/server";
import type { ServerModules } from "./server-modules.js";

/** In exactly RARE_MATCHES contacts, spread evenly through id order (a scan must read them all). */
export const RARE_TERM = "qzrare";
export const RARE_MATCHES = 10;
/** In one contact out of COMMON_EVERY (10%), like a popular email domain. */
export const COMMON_TERM = "gold";
export const COMMON_EVERY = 10;
/** In no contact: the worst case for a scan. */
export const NO_MATCH_TERM = "zzqxj";

const FIRST = ["Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jonas"];
const LAST = ["Smith", "Okafor", "Nakamura", "Müller", "Rossi", "Haddad", "Kowalski", "Lindqvist"];
/** The names without accents, for valid email addresses. */
const ASCII = (name: string) =>
  name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
const FIRST_ASCII = FIRST.map(ASCII);
const LAST_ASCII = LAST.map(ASCII);
const DOMAINS = ["example.com", "mail.example.org", "corp.example.net", "inbox.example"];
const TAGS = ["premium", "beta-user", "enterprise", "trial", "churn-risk"];
const PLANS = ["free", "pro", "team", "enterprise"];

/**
 * A bijection on 32-bit integers (odd multiplier): unique external ids in random order, as ids
 * from a customer's system are, so the unique (workspace_id, external_id) index grows by random
 * inserts and not by appends, which would flatter seeding.
 */
function scramble(i: number): number {
  return Math.imul(i, 0x9e3779b1) >>> 0;
}

/** Indexes of the contacts carrying RARE_TERM among `n`. */
export function rareIndexes(n: number): Set<number> {
  const indexes = new Set<number>();
  for (let k = 0; k < RARE_MATCHES; k++) indexes.add(Math.floor(((k + 0.5) * n) / RARE_MATCHES));
  return indexes;
}

/** The i-th contact of a data set; `rare` is rareIndexes(n). */
export function contactAt(i: number, rare: Set<number>, id: string, createdAt: number): NewContact {
  const f = i % FIRST.length;
  const l = (i * 7) % LAST.length;
  const prefix = rare.has(i) ? RARE_TERM : i % COMMON_EVERY === 3 ? COMMON_TERM : "user";
  return {
    id,
    externalId: `${prefix}-${scramble(i).toString(16).padStart(8, "0")}`,
    displayName: `${FIRST[f]} ${LAST[l]}`,
    email: `${FIRST_ASCII[f]}.${LAST_ASCII[l]}.${i}@${DOMAINS[i % DOMAINS.length]}`,
    avatarUrl: i % 2 === 0 ? `https://cdn.example.com/avatars/${i}.png` : null,
    tags: TAGS.filter((_, t) => (i >> t) % 3 === 0).slice(0, 3),
    metadata: { plan: PLANS[i % PLANS.length] as string, score: i % 100, source: "import" },
    createdAt,
  };
}

export interface SeedResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** Rate over the batches holding the last 10% of rows: inserts slow down as indexes grow. */
  tailRowsPerSecond: number;
}

/** Contacts get consecutive milliseconds ending a minute ago, so ids follow insertion order. */
export function firstCreatedAt(n: number): number {
  return Date.now() - n - 60_000;
}

/**
 * Seeds through the server's write path: SqliteContactStore.create for every contact (row and
 * tag inserts, unique-index conflict handling), `batch` contacts per outer transaction.
 */
export async function seedThroughStore(
  modules: ServerModules,
  stores: SqliteStores,
  workspaceId: string,
  n: number,
  batch: number,
  progress?: (done: number) => void,
): Promise<SeedResult> {
  const ids = modules.ids.createIdGenerator();
  const rare = rareIndexes(n);
  const base = firstCreatedAt(n);
  return timeBatches(n, batch, progress, async (start, end) => {
    const pending: Promise<unknown>[] = [];
    stores.database.transaction(() => {
      for (let i = start; i < end; i++) {
        const createdAt = base + i;
        const contact = contactAt(i, rare, ids.contactId(createdAt), createdAt);
        // create() does its synchronous insert before it returns: all of it joins this transaction.
        pending.push(stores.contacts.create(workspaceId, contact));
      }
    })();
    await Promise.all(pending);
  });
}

/** The reference: prepared INSERTs into the same tables, `batch` rows per transaction. */
export async function seedRaw(
  modules: ServerModules,
  db: SqliteDatabase,
  n: number,
  batch: number,
  progress?: (done: number) => void,
): Promise<SeedResult> {
  const workspaceId = randomUUID();
  db.prepare("INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)").run(
    workspaceId,
    "raw",
    Date.now(),
  );
  const insert = db.prepare(
    `INSERT INTO contacts (id, workspace_id, external_id, display_name, email, avatar_url, tags,
       metadata, search_text, created_at, updated_at, version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
  );
  const insertTag = db.prepare(
    "INSERT INTO contact_tags (workspace_id, tag, contact_id) VALUES (?, ?, ?)",
  );
  // The server's store keeps a search index per workspace; the reference writes it too.
  const searchIndex = new modules.searchIndex.WorkspaceSearchIndex(db);
  const ids = modules.ids.createIdGenerator();
  const rare = rareIndexes(n);
  const base = firstCreatedAt(n);
  const insertBatch = db.transaction((start: number, end: number) => {
    for (let i = start; i < end; i++) {
      const createdAt = base + i;
      const c = contactAt(i, rare, ids.contactId(createdAt), createdAt);
      const searchText = `${c.externalId}\n${c.displayName ?? ""}\n${c.email ?? ""}`.toLowerCase();
      const { lastInsertRowid } = insert.run(
        c.id,
        workspaceId,
        c.externalId,
        c.displayName,
        c.email,
        c.avatarUrl,
        JSON.stringify(c.tags),
        JSON.stringify(c.metadata),
        searchText,
        createdAt,
        createdAt,
      );
      searchIndex.add(workspaceId, lastInsertRowid, searchText);
      for (const tag of c.tags) insertTag.run(workspaceId, tag, c.id);
    }
  });
  return timeBatches(n, batch, progress, async (start, end) => insertBatch(start, end));
}

/** Runs `run` over [0, n) in batches of `batch`, timing the whole and the last 10%. */
export async function timeBatches(
  n: number,
  batch: number,
  progress: ((done: number) => void) | undefined,
  run: (start: number, end: number) => Promise<void>,
): Promise<SeedResult> {
  const started = performance.now();
  const tailFrom = Math.floor(n * 0.9);
  let tailRows = 0;
  let tailMs = 0;
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(n, start + batch);
    const batchStarted = performance.now();
    await run(start, end);
    // The tail is every batch that reaches into the last 10% of rows.
    if (end > tailFrom) {
      tailRows += end - start;
      tailMs += performance.now() - batchStarted;
    }
    progress?.(end);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    rows: n,
    seconds,
    rowsPerSecond: n / seconds,
    tailRowsPerSecond: tailRows / (tailMs / 1000),
  };
}

/** Creates a workspace with one API key; returns the key and the workspace id. */
export async function createKey(
  stores: Stores,
  workspace: string,
): Promise<{ key: string; workspaceId: string }> {
  const { key, info } = await stores.apiKeys.createKey(workspace, Date.now());
  return { key, workspaceId: info.workspaceId };
}

/** The ids and external ids of a workspace's contacts, oldest first. */
export function contactRefs(
  db: SqliteDatabase,
  workspaceId: string,
): { ids: string[]; externalIds: string[] } {
  const rows = db
    .prepare<[string], { id: string; external_id: string }>(
      "SELECT id, external_id FROM contacts WHERE workspace_id = ? ORDER BY id",
    )
    .all(workspaceId);
  return { ids: rows.map((r) => r.id), externalIds: rows.map((r) => r.external_id) };
}

/** The id `fraction` of the way from the oldest contact (0.1 = a page 90% deep, newest first). */
export function idAt(db: SqliteDatabase, workspaceId: string, fraction: number): string {
  const { n } = db
    .prepare<[string], { n: number }>("SELECT count(*) AS n FROM contacts WHERE workspace_id = ?")
    .get(workspaceId) ?? { n: 0 };
  const row = db
    .prepare<[string, number], { id: string }>(
      "SELECT id FROM contacts WHERE workspace_id = ? ORDER BY id LIMIT 1 OFFSET ?",
    )
    .get(workspaceId, Math.floor(n * fraction));
  if (!row) throw new Error("no contacts to take a cursor from");
  return row.id;
}
