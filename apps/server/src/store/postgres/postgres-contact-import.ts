// ContactStore.importBatch on PostgreSQL: one transaction per batch, with few round trips — one
// locking read of every external_id the batch names, one multi-row INSERT of the new contacts
// and one of their tags, and an UPDATE per contact an upsert changes.
import type { ContactFields, ContactRecord } from "../../contacts/contact.js";
import {
  ContactIdNotIncreasingError,
  ContactValidationError,
} from "../../contacts/contact-errors.js";
import type { ImportBatchOptions, ImportOutcome, ImportRow } from "../../contacts/contact-store.js";
import { inTransaction, type Pool, type PoolClient, sqlStateOf } from "./pool.js";
import { writeContactChange } from "./postgres-contact-writes.js";
import {
  fromPgRow,
  insertValuesOf,
  PG_COLUMNS,
  type PostgresContactRow,
  pgText,
} from "./postgres-rows.js";

const UNIQUE_VIOLATION = "23505";
/** A create on another replica can take an external_id between our read and our insert. */
const ATTEMPTS = 3;
/** 12 parameters a row: well under PostgreSQL's 65,535 parameters a statement. */
const ROWS_PER_INSERT = 1000;

const DRY_RUN = Symbol("dry run");

export async function importBatchOnPostgres(
  pool: Pool,
  workspaceId: string,
  rows: readonly ImportRow[],
  options: ImportBatchOptions,
): Promise<ImportOutcome[]> {
  for (let attempt = 1; ; attempt++) {
    let outcomes: ImportOutcome[] = [];
    try {
      await inTransaction(pool, async ({ client }) => {
        outcomes = await applyBatch(client, workspaceId, rows, options);
        if (options.dryRun) throw DRY_RUN;
      });
      return outcomes;
    } catch (error) {
      if (error === DRY_RUN) return outcomes;
      if (sqlStateOf(error) === UNIQUE_VIOLATION && attempt < ATTEMPTS) continue;
      throw error;
    }
  }
}

async function applyBatch(
  client: PoolClient,
  workspaceId: string,
  rows: readonly ImportRow[],
  options: ImportBatchOptions,
): Promise<ImportOutcome[]> {
  const externalIds = [...new Set(rows.map((row) => row.externalId))];
  // The row locks hold off every other writer of these contacts, on any replica, until commit.
  const { rows: stored } = await client.query<PostgresContactRow>(
    `SELECT ${PG_COLUMNS} FROM contacts
     WHERE workspace_id = $1 AND external_id = ANY($2::text[]) FOR UPDATE`,
    [workspaceId, externalIds],
  );
  const byExternalId = new Map<string, ContactRecord>(
    stored.map((row) => [row.external_id, fromPgRow(row)]),
  );
  const { rows: newestRows } = await client.query<{ id: string }>(
    "SELECT id FROM contacts WHERE workspace_id = $1 ORDER BY id DESC LIMIT 1",
    [workspaceId],
  );
  let newest = newestRows[0]?.id;

  const outcomes: ImportOutcome[] = [];
  const inserts: ContactRecord[] = [];
  // Contacts this batch changes, written once each with their last fields.
  const changed = new Map<string, { before: ContactRecord; after: ContactRecord }>();
  for (const row of rows) {
    const existing = byExternalId.get(row.externalId);
    if (!existing) {
      const id = options.newId(newest);
      if (newest !== undefined && id <= newest) throw new ContactIdNotIncreasingError(id, newest);
      newest = id;
      const record: ContactRecord = {
        id,
        workspaceId,
        externalId: row.externalId,
        ...row.fields,
        createdAt: options.now,
        updatedAt: options.now,
        version: 1,
      };
      inserts.push(record);
      byExternalId.set(row.externalId, record);
      outcomes.push({ kind: "created", id });
    } else if (options.mode === "create") {
      outcomes.push({ kind: "skipped", id: existing.id });
    } else {
      let fields: ContactFields | undefined;
      try {
        fields = options.merge(existing, row.patch);
      } catch (error) {
        if (!(error instanceof ContactValidationError)) throw error;
        outcomes.push({ kind: "rejected", error });
        continue;
      }
      if (!fields) {
        outcomes.push({ kind: "unchanged", id: existing.id });
        continue;
      }
      const next: ContactRecord = {
        ...existing,
        ...fields,
        updatedAt: options.now,
        version: existing.version + 1,
      };
      byExternalId.set(row.externalId, next);
      const inserted = inserts.findIndex((record) => record.id === next.id);
      if (inserted >= 0) inserts[inserted] = next;
      else changed.set(next.id, { before: changed.get(next.id)?.before ?? existing, after: next });
      outcomes.push({ kind: "updated", id: existing.id });
    }
  }

  await insertContacts(client, workspaceId, inserts);
  for (const { before, after } of changed.values()) {
    await writeContactChange(client, before, after);
  }
  return outcomes;
}

async function insertContacts(
  client: PoolClient,
  workspaceId: string,
  contacts: readonly ContactRecord[],
): Promise<void> {
  for (let start = 0; start < contacts.length; start += ROWS_PER_INSERT) {
    const chunk = contacts.slice(start, start + ROWS_PER_INSERT);
    const values: unknown[] = [];
    const tuples = chunk.map((contact) => {
      const row = insertValuesOf(contact);
      const first = values.length;
      values.push(...row);
      return `(${row.map((_, index) => `$${first + index + 1}`).join(", ")})`;
    });
    await client.query(
      `INSERT INTO contacts (${PG_COLUMNS}, search_text) VALUES ${tuples.join(", ")}`,
      values,
    );
    const tagged = chunk.flatMap((contact) => contact.tags.map((tag) => [contact.id, pgText(tag)]));
    if (tagged.length > 0) {
      await client.query(
        `INSERT INTO contact_tags (workspace_id, contact_id, tag)
         SELECT $1, contact_id, tag FROM unnest($2::text[], $3::text[]) AS t (contact_id, tag)`,
        [workspaceId, tagged.map(([id]) => id), tagged.map(([, tag]) => tag)],
      );
    }
  }
}
