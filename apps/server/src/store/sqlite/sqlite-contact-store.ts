import type { Statement } from "better-sqlite3";
import { SqliteError } from "better-sqlite3";
// ContactStore on better-sqlite3: writes keep the workspace's search and tag indexes in step in
// the same transaction; reads of pages go through ContactLister, inline or on the list worker.
import {
  CONTACT_ID_SHAPE,
  type ContactFields,
  type ContactRecord,
} from "../../contacts/contact.js";
import {
  ContactIdNotIncreasingError,
  ContactValidationError,
  ExternalIdConflictError,
} from "../../contacts/contact-errors.js";
import {
  type ContactPage,
  type ContactStore,
  type CreateOptions,
  type ImportBatchOptions,
  type ImportOutcome,
  type ImportRow,
  isFiltered,
  type ListContactsQuery,
  type NewContact,
  type StoreTransaction,
} from "../../contacts/contact-store.js";
import { COLUMNS, type ContactRow, fromRow, toRow } from "../contact-rows.js";
import { ContactLister } from "./contact-lister.js";
import type { SqliteDatabase } from "./database.js";
import { WorkspaceSearchIndex } from "./workspace-search-index.js";

export interface SqliteContactStoreOptions {
  /** Most candidate rows a list call may examine (MAX_EXAMINED_ROWS); tests lower it. */
  maxExaminedRows?: number;
  /** Runs filtered list calls (search or tags) elsewhere: off the event loop (list-worker.ts). */
  filteredLists?: Pick<ContactStore, "list">;
}

/** The handle a create's hook gets: an SQLite transaction is the connection's, so it carries nothing. */
const SQLITE_TRANSACTION: StoreTransaction = Object.freeze({ store: "sqlite" });

/** A row read for a write: its rowid and search text keep the search index in step. */
interface StoredRow extends ContactRow {
  rowid: number;
  search_text: string;
}

/** Thrown inside a dry run's transaction to roll it back once every outcome is known. */
const DRY_RUN = Symbol("dry run");

/** ContactStore on better-sqlite3: synchronous underneath, async at the interface. */
export class SqliteContactStore implements ContactStore {
  private readonly insertContact: Statement;
  private readonly insertTag: Statement;
  private readonly deleteTags: Statement;
  private readonly selectById: Statement<[string, string], ContactRow>;
  private readonly selectByExternalId: Statement<[string, string], ContactRow>;
  private readonly selectIdByExternalId: Statement<[string, string], { id: string }>;
  private readonly selectNewestId: Statement<[string], { id: string | null }>;
  private readonly updateContact: Statement;
  private readonly deleteById: Statement;
  private readonly searchIndex: WorkspaceSearchIndex;
  private readonly lister: ContactLister;
  private readonly filteredLists: Pick<ContactStore, "list"> | undefined;

  constructor(
    private readonly db: SqliteDatabase,
    options: SqliteContactStoreOptions = {},
  ) {
    this.searchIndex = new WorkspaceSearchIndex(db);
    this.lister = new ContactLister(db, options.maxExaminedRows);
    this.filteredLists = options.filteredLists;
    this.insertContact = db.prepare(
      `INSERT INTO contacts (${COLUMNS}, search_text)
       VALUES (@id, @workspace_id, @external_id, @display_name, @email, @avatar_url, @tags,
               @metadata, @created_at, @updated_at, @version, @search_text)`,
    );
    this.insertTag = db.prepare(
      "INSERT INTO contact_tags (workspace_id, tag, contact_id) VALUES (?, ?, ?)",
    );
    this.deleteTags = db.prepare("DELETE FROM contact_tags WHERE contact_id = ?");
    this.selectById = db.prepare(
      `SELECT rowid, ${COLUMNS}, search_text FROM contacts WHERE workspace_id = ? AND id = ?`,
    );
    this.selectByExternalId = db.prepare(
      `SELECT rowid, ${COLUMNS}, search_text FROM contacts
       WHERE workspace_id = ? AND external_id = ?`,
    );
    this.selectIdByExternalId = db.prepare(
      "SELECT id FROM contacts WHERE workspace_id = ? AND external_id = ?",
    );
    this.selectNewestId = db.prepare("SELECT max(id) AS id FROM contacts WHERE workspace_id = ?");
    this.updateContact = db.prepare(
      `UPDATE contacts SET display_name = @display_name, email = @email, avatar_url = @avatar_url,
         tags = @tags, metadata = @metadata, search_text = @search_text, updated_at = @updated_at,
         version = @version
       WHERE id = @id`,
    );
    this.deleteById = db.prepare("DELETE FROM contacts WHERE id = ?");
  }

  async create(
    workspaceId: string,
    contact: NewContact,
    options: CreateOptions = {},
  ): Promise<ContactRecord> {
    const record: ContactRecord = {
      ...contact,
      workspaceId,
      updatedAt: contact.createdAt,
      version: 1,
    };
    // The workspace's first contact creates its search index, outside the insert's transaction.
    this.searchIndex.ensure(workspaceId);
    let hooked: Promise<void> | undefined;
    try {
      // Immediate: the write lock first, waiting for another connection's (an admin command's)
      // within the busy timeout. Deferred, its first read took a snapshot that another
      // connection's commit could make stale, and the insert failed at once (SQLITE_BUSY_SNAPSHOT).
      this.db
        .transaction(() => {
          // Within a workspace the rowid must follow the id (see workspace-search-index.ts).
          const newest = this.selectNewestId.get(workspaceId)?.id;
          if (newest != null && newest >= record.id) {
            throw new ContactIdNotIncreasingError(record.id, newest);
          }
          const row = toRow(record);
          const { lastInsertRowid } = this.insertContact.run(row);
          this.searchIndex.add(workspaceId, lastInsertRowid, row.search_text);
          for (const tag of record.tags) this.insertTag.run(workspaceId, tag, record.id);
          // Its writes are issued synchronously, inside this transaction (see TransactionHook).
          hooked = options.withinTransaction?.(record, SQLITE_TRANSACTION);
        })
        .immediate();
    } catch (error) {
      if (error instanceof SqliteError && error.code === "SQLITE_CONSTRAINT_UNIQUE") {
        // The unique index refused the row; name the contact that holds the external_id.
        const existing = this.selectIdByExternalId.get(workspaceId, contact.externalId);
        if (existing) throw new ExternalIdConflictError(contact.externalId, existing.id);
      }
      throw error;
    }
    await hooked;
    return record;
  }

  async find(workspaceId: string, ref: string): Promise<ContactRecord | undefined> {
    const row = this.rowByRef(workspaceId, ref);
    return row && fromRow(row);
  }

  async list(workspaceId: string, query: ListContactsQuery): Promise<ContactPage> {
    if (isFiltered(query) && this.filteredLists) return this.filteredLists.list(workspaceId, query);
    return this.lister.list(workspaceId, query);
  }

  async update(
    workspaceId: string,
    ref: string,
    change: (current: ContactRecord) => ContactFields | undefined,
    now: number,
  ): Promise<ContactRecord | undefined> {
    return this.db
      .transaction(() => {
        const row = this.rowByRef(workspaceId, ref);
        if (!row) return undefined;
        const current = fromRow(row);
        const fields = change(current);
        if (!fields) return current;
        return this.writeChange(workspaceId, row, current, fields, now);
      })
      .immediate();
  }

  async delete(
    workspaceId: string,
    ref: string,
    guard?: (current: ContactRecord) => void,
  ): Promise<boolean> {
    return this.db
      .transaction(() => {
        const row = this.rowByRef(workspaceId, ref);
        if (!row) return false;
        guard?.(fromRow(row));
        this.searchIndex.remove(workspaceId, row.rowid);
        this.deleteById.run(row.id);
        return true;
      })
      .immediate();
  }

  async importBatch(
    workspaceId: string,
    rows: readonly ImportRow[],
    options: ImportBatchOptions,
  ): Promise<ImportOutcome[]> {
    // The workspace's first contact creates its search index, outside the batch's transaction.
    this.searchIndex.ensure(workspaceId);
    const outcomes: ImportOutcome[] = [];
    const apply = this.db.transaction(() => {
      // Within a workspace the rowid must follow the id (see workspace-search-index.ts).
      let newest = this.selectNewestId.get(workspaceId)?.id ?? undefined;
      for (const row of rows) {
        const existing = this.selectByExternalId.get(workspaceId, row.externalId) as
          | StoredRow
          | undefined;
        if (!existing) {
          const id = options.newId(newest);
          if (newest !== undefined && id <= newest)
            throw new ContactIdNotIncreasingError(id, newest);
          newest = id;
          this.insertNew(workspaceId, id, row, options.now);
          outcomes.push({ kind: "created", id });
        } else if (options.mode === "create") {
          outcomes.push({ kind: "skipped", id: existing.id });
        } else {
          outcomes.push(this.upsertExisting(workspaceId, existing, row, options));
        }
      }
      if (options.dryRun) throw DRY_RUN;
    });
    try {
      apply.immediate();
    } catch (error) {
      if (error !== DRY_RUN) throw error;
    }
    return outcomes;
  }

  private insertNew(workspaceId: string, id: string, row: ImportRow, now: number): void {
    const record: ContactRecord = {
      id,
      workspaceId,
      externalId: row.externalId,
      ...row.fields,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    const stored = toRow(record);
    const { lastInsertRowid } = this.insertContact.run(stored);
    this.searchIndex.add(workspaceId, lastInsertRowid, stored.search_text);
    for (const tag of record.tags) this.insertTag.run(workspaceId, tag, id);
  }

  private upsertExisting(
    workspaceId: string,
    row: StoredRow,
    importRow: ImportRow,
    options: ImportBatchOptions,
  ): ImportOutcome {
    const current = fromRow(row);
    let fields: ContactFields | undefined;
    try {
      fields = options.merge(current, importRow.patch);
    } catch (error) {
      if (error instanceof ContactValidationError) return { kind: "rejected", error };
      throw error;
    }
    if (!fields) return { kind: "unchanged", id: current.id };
    this.writeChange(workspaceId, row, current, fields, options.now);
    return { kind: "updated", id: current.id };
  }

  /** Writes a contact's next fields, keeping its search and tag indexes in step. */
  private writeChange(
    workspaceId: string,
    row: StoredRow,
    current: ContactRecord,
    fields: ContactFields,
    now: number,
  ): ContactRecord {
    const next: ContactRecord = {
      ...current,
      ...fields,
      updatedAt: now,
      version: current.version + 1,
    };
    const nextRow = toRow(next);
    this.updateContact.run(nextRow);
    if (nextRow.search_text !== row.search_text) {
      this.searchIndex.remove(workspaceId, row.rowid);
      this.searchIndex.add(workspaceId, row.rowid, nextRow.search_text);
    }
    if (fields.tags !== current.tags) {
      this.deleteTags.run(next.id);
      for (const tag of next.tags) this.insertTag.run(workspaceId, tag, next.id);
    }
    return next;
  }

  /** A ref is an _id or an external_id; the two shapes cannot overlap (see CONTACT_ID_SHAPE). */
  private rowByRef(workspaceId: string, ref: string): StoredRow | undefined {
    return (
      CONTACT_ID_SHAPE.test(ref)
        ? this.selectById.get(workspaceId, ref)
        : this.selectByExternalId.get(workspaceId, ref)
    ) as StoredRow | undefined;
  }
}
