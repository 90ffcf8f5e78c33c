// One trigram index per workspace. A shared index made a search walk every workspace's postings
// before the workspace filter, so its time told whether another workspace held the term; an
// index of its own holds only the caller's contacts, so nothing else can change what it reads.
import type { Database, Statement } from "better-sqlite3";

/** The search table of a workspace: `contacts_search_<uuid hex>`. */
export function searchTableOf(workspaceId: string): string {
  const hex = workspaceId.replaceAll("-", "").toLowerCase();
  // The name is spliced into SQL: only the 32 hex digits of a UUID may reach it.
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`not a workspace UUID: ${workspaceId}`);
  return `contacts_search_${hex}`;
}

/**
 * Contentless (the text stays in contacts.search_text) with deletes by rowid; the rowid is the
 * contact's rowid, which follows id order within a workspace (migration 4), so reading the index
 * in rowid order lists matches newest first without sorting them.
 */
export function createSearchTableSql(table: string): string {
  return `CREATE VIRTUAL TABLE IF NOT EXISTS ${table} USING fts5(
    search_text, content = '', contentless_delete = 1, tokenize = 'trigram case_sensitive 1'
  )`;
}

interface TableStatements {
  insert: Statement<[number | bigint, string]>;
  remove: Statement<[number | bigint]>;
}

/** Keeps each workspace's index in step with its contacts; call inside the write transaction. */
export class WorkspaceSearchIndex {
  private readonly statements = new Map<string, TableStatements>();
  /** Workspaces known to have an index (indexes are never dropped, so a yes stays a yes). */
  private readonly known = new Set<string>();

  constructor(private readonly db: Database) {}

  add(workspaceId: string, rowid: number | bigint, searchText: string): void {
    this.of(workspaceId).insert.run(rowid, searchText);
  }

  remove(workspaceId: string, rowid: number | bigint): void {
    this.of(workspaceId).remove.run(rowid);
  }

  /** Whether the workspace has an index yet (it gets one with its first contact). */
  exists(workspaceId: string): boolean {
    if (this.known.has(workspaceId) || this.statements.has(workspaceId)) return true;
    const found =
      this.db
        .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?")
        .get(searchTableOf(workspaceId)) !== undefined;
    // Seen inside a transaction, the table may yet be rolled back: remember it only once committed.
    if (found && !this.db.inTransaction) this.known.add(workspaceId);
    return found;
  }

  /**
   * Creates the workspace's index if it has none. Call it before a write transaction: a table
   * created inside one disappears with a rollback (a refused first contact).
   */
  ensure(workspaceId: string): void {
    this.of(workspaceId);
  }

  private of(workspaceId: string): TableStatements {
    let statements = this.statements.get(workspaceId);
    if (!statements) {
      const table = searchTableOf(workspaceId);
      this.db.exec(createSearchTableSql(table));
      statements = {
        insert: this.db.prepare(`INSERT INTO ${table} (rowid, search_text) VALUES (?, ?)`),
        remove: this.db.prepare(`DELETE FROM ${table} WHERE rowid = ?`),
      };
      // Created inside a transaction, the table may be rolled back with it: cache only outside.
      if (!this.db.inTransaction) this.statements.set(workspaceId, statements);
    }
    return statements;
  }
}
