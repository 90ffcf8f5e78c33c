// ContactStore on PostgreSQL: each write is one transaction on one pooled connection; a row lock
// (SELECT … FOR UPDATE) makes read-check-write atomic across replicas, and the unique index
// makes a duplicate external_id fail inside the INSERT itself.
import {
  CONTACT_ID_SHAPE,
  type ContactFields,
  type ContactRecord,
} from "../../contacts/contact.js";
import { ExternalIdConflictError } from "../../contacts/contact-errors.js";
import type {
  ContactPage,
  ContactStore,
  CreateOptions,
  ListContactsQuery,
  NewContact,
} from "../../contacts/contact-store.js";
import { searchTextOf } from "../contact-rows.js";
import { inTransaction, type Pool, type PoolClient, sqlStateOf } from "./pool.js";
import { PostgresContactLister } from "./postgres-contact-lister.js";
import {
  displayNameBytes,
  fromPgRow,
  insertValuesOf,
  PG_COLUMNS,
  type PostgresContactRow,
  pgSearchText,
  pgText,
  storableRef,
} from "./postgres-rows.js";

const UNIQUE_VIOLATION = "23505";

export const INSERT_CONTACT = `INSERT INTO contacts (${PG_COLUMNS}, search_text)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`;

/** Inserts a contact's tags, in one statement. */
export async function insertTags(
  client: Pool | PoolClient,
  workspaceId: string,
  contactId: string,
  tags: readonly string[],
): Promise<void> {
  if (tags.length === 0) return;
  await client.query(
    `INSERT INTO contact_tags (workspace_id, tag, contact_id)
     SELECT $1, tag, $2 FROM unnest($3::text[]) AS tag`,
    [workspaceId, contactId, tags.map(pgText)],
  );
}

export interface PostgresContactStoreOptions {
  /** Most candidate rows a list call may examine (MAX_EXAMINED_ROWS); tests lower it. */
  maxExaminedRows?: number;
}

export class PostgresContactStore implements ContactStore {
  private readonly lister: PostgresContactLister;

  constructor(
    private readonly pool: Pool,
    options: PostgresContactStoreOptions = {},
  ) {
    this.lister = new PostgresContactLister(pool, options.maxExaminedRows);
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
      await client.query(
        `UPDATE contacts SET display_name = $3, email = $4, avatar_url = $5, tags = $6,
           metadata = $7, search_text = $8, updated_at = $9, version = $10
         WHERE workspace_id = $1 AND id = $2`,
        [
          workspaceId,
          next.id,
          displayNameBytes(next.displayName),
          next.email,
          next.avatarUrl,
          JSON.stringify(next.tags),
          JSON.stringify(next.metadata),
          pgSearchText(searchTextOf(next)),
          next.updatedAt,
          next.version,
        ],
      );
      if (fields.tags !== current.tags) {
        await client.query("DELETE FROM contact_tags WHERE workspace_id = $1 AND contact_id = $2", [
          workspaceId,
          next.id,
        ]);
        await insertTags(client, workspaceId, next.id, next.tags);
      }
      return next;
    });
  }

  async delete(
    workspaceId: string,
    ref: string,
    guard?: (current: ContactRecord) => void,
  ): Promise<boolean> {
    if (!storableRef(ref)) return false;
    return inTransaction(this.pool, async ({ client }) => {
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
