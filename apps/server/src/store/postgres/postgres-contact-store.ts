// ContactStore on PostgreSQL: each write is one transaction on one pooled connection; a row lock
// (SELECT … FOR UPDATE) makes read-check-write atomic across replicas, and the unique index
// makes a duplicate external_id fail inside the INSERT itself.

import {
  CONTACT_ID_SHAPE,
  type ContactFields,
  type ContactRecord,
} from "../../contacts/contact.js";
import { ExternalIdConflictError } from "../../contacts/contact-errors.js";
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
} from "../../contacts/contact-store.js";
import type { FairTurns } from "../fair-turns.js";
import { inTransaction, type Pool, sqlStateOf } from "./pool.js";
import { importBatchOnPostgres } from "./postgres-contact-import.js";
import { PostgresContactLister } from "./postgres-contact-lister.js";
import { INSERT_CONTACT, insertTags, writeContactChange } from "./postgres-contact-writes.js";
import {
  fromPgRow,
  insertValuesOf,
  PG_COLUMNS,
  type PostgresContactRow,
  storableRef,
} from "./postgres-rows.js";
import { shareWindowLock } from "./postgres-usage-window.js";

const UNIQUE_VIOLATION = "23505";

export interface PostgresContactStoreOptions {
  /** Most candidate rows a list call may examine (MAX_EXAMINED_ROWS); tests lower it. */
  maxExaminedRows?: number;
  /** Turns that filtered list calls (search or tags) take for their connections (fair-turns.ts). */
  filteredLists?: FairTurns;
}

export class PostgresContactStore implements ContactStore {
  private readonly lister: PostgresContactLister;
  private readonly filteredLists: FairTurns | undefined;

  constructor(
    private readonly pool: Pool,
    options: PostgresContactStoreOptions = {},
  ) {
    this.lister = new PostgresContactLister(pool, options.maxExaminedRows);
    this.filteredLists = options.filteredLists;
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
    try {
      await inTransaction(this.pool, async (transaction) => {
        await transaction.client.query(INSERT_CONTACT, insertValuesOf(record));
        await insertTags(transaction.client, workspaceId, record.id, record.tags);
        await options.withinTransaction?.(record, transaction);
      });
    } catch (error) {
      if (sqlStateOf(error) === UNIQUE_VIOLATION) {
        // The unique index refused the row; name the contact that holds the external_id.
        const { rows } = await this.pool.query<{ id: string }>(
          "SELECT id FROM contacts WHERE workspace_id = $1 AND external_id = $2",
          [workspaceId, contact.externalId],
        );
        if (rows[0]) throw new ExternalIdConflictError(contact.externalId, rows[0].id);
      }
      throw error;
    }
    return record;
  }

  async find(workspaceId: string, ref: string): Promise<ContactRecord | undefined> {
    if (!storableRef(ref)) return undefined;
    const { rows } = await this.pool.query<PostgresContactRow>(selectByRef(ref, ""), [
      workspaceId,
      ref,
    ]);
    return rows[0] && fromPgRow(rows[0]);
  }

  async list(workspaceId: string, query: ListContactsQuery): Promise<ContactPage> {
    if (isFiltered(query) && this.filteredLists) {
      return this.filteredLists.run(workspaceId, () => this.lister.list(workspaceId, query));
    }
    return this.lister.list(workspaceId, query);
  }

  async update(
    workspaceId: string,
    ref: string,
    change: (current: ContactRecord) => ContactFields | undefined,
    now: number,
  ): Promise<ContactRecord | undefined> {
    if (!storableRef(ref)) return undefined;
    return inTransaction(this.pool, async ({ client }) => {
      // The row lock holds off every other writer of this contact, on any replica, until commit:
      // an If-Match check in `change` sees the version the write replaces.
      const { rows } = await client.query<PostgresContactRow>(selectByRef(ref, "FOR UPDATE"), [
        workspaceId,
        ref,
      ]);
      if (!rows[0]) return undefined;
      const current = fromPgRow(rows[0]);
      const fields = change(current);
      if (!fields) return current;
      const next: ContactRecord = {
        ...current,
        ...fields,
        updatedAt: now,
        version: current.version + 1,
      };
      await writeContactChange(client, current, next);
      return next;
    });
  }

  async importBatch(
    workspaceId: string,
    rows: readonly ImportRow[],
    options: ImportBatchOptions,
  ): Promise<ImportOutcome[]> {
    return importBatchOnPostgres(this.pool, workspaceId, rows, options);
  }

  async delete(
    workspaceId: string,
    ref: string,
    guard?: (current: ContactRecord) => void,
  ): Promise<boolean> {
    if (!storableRef(ref)) return false;
    return inTransaction(this.pool, async ({ client }) => {
      // The delete trigger takes the usage window's lock: taken first here, before the row lock,
      // a roll in progress makes the delete wait rather than time out or queue behind it.
      await shareWindowLock(client, workspaceId);
      const { rows } = await client.query<PostgresContactRow>(selectByRef(ref, "FOR UPDATE"), [
        workspaceId,
        ref,
      ]);
      if (!rows[0]) return false;
      guard?.(fromPgRow(rows[0]));
      await client.query("DELETE FROM contacts WHERE workspace_id = $1 AND id = $2", [
        workspaceId,
        rows[0].id,
      ]);
      return true;
    });
  }
}

/** A ref is an _id or an external_id; the two shapes cannot overlap (see CONTACT_ID_SHAPE). */
function selectByRef(ref: string, lock: "" | "FOR UPDATE"): string {
  const column = CONTACT_ID_SHAPE.test(ref) ? "id" : "external_id";
  return `SELECT ${PG_COLUMNS} FROM contacts WHERE workspace_id = $1 AND ${column} = $2 ${lock}`;
}
