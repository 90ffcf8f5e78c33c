import type { Database } from "better-sqlite3";
import { createSearchTableSql, searchTableOf } from "./workspace-search-index.js";

/**
 * Versioned schema migrations, applied in order inside one transaction each; the applied version
 * is SQLite's `user_version`. Never edit a released migration: append a new one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
  /** Work that depends on the data (one statement per workspace), run after `sql`. */
  apply?: (db: Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "workspaces, api keys, contacts and their tags",
    sql: `
      CREATE TABLE workspaces (
        id         TEXT PRIMARY KEY,             -- UUID
        name       TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL              -- ms since epoch
      );

      CREATE TABLE api_keys (
        id           TEXT PRIMARY KEY,           -- public part of the key, shown by "keys list"
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        secret_hash  BLOB NOT NULL,              -- SHA-256 of the whole key; the key is never stored
        created_at   INTEGER NOT NULL,
        revoked_at   INTEGER
      );

      -- The rowid follows insertion order, which follows id order: room for an FTS index later.
      CREATE TABLE contacts (
        rowid        INTEGER PRIMARY KEY,
        id           TEXT NOT NULL UNIQUE,        -- contact_<ULID>
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        external_id  TEXT NOT NULL,
        display_name TEXT,
        email        TEXT,
        avatar_url   TEXT,
        tags         TEXT NOT NULL,               -- JSON array, order kept
        metadata     TEXT NOT NULL,               -- JSON object
        search_text  TEXT NOT NULL,               -- lower-cased external_id, display_name, email
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
      );
      -- Makes a duplicate external_id fail inside the INSERT itself: no check-then-insert race.
      CREATE UNIQUE INDEX contacts_workspace_external_id ON contacts (workspace_id, external_id);
      -- Keyset pagination, newest first.
      CREATE INDEX contacts_workspace_id ON contacts (workspace_id, id);

      -- One row per (contact, tag), for the "has all these tags" filter.
      CREATE TABLE contact_tags (
        contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
        tag        TEXT NOT NULL,
        PRIMARY KEY (contact_id, tag)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: "contact versions (ETags) and idempotency keys",
    sql: `
      -- Bumped on every write; the ETag is derived from it.
      ALTER TABLE contacts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

      CREATE TABLE idempotency_keys (
        workspace_id TEXT NOT NULL,
        key          TEXT NOT NULL,
        fingerprint  TEXT NOT NULL,              -- SHA-256 of method, path and body bytes
        response     TEXT,                       -- JSON; NULL while the first request runs
        created_at   INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, key)
      ) WITHOUT ROWID;
      CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
    `,
  },
  {
    version: 3,
    description: "trigram index of the search text",
    sql: `
      -- Substring search without a full scan: every 3-character slice of the lower-cased search
      -- text is indexed. External content: the text itself stays in contacts.
      CREATE VIRTUAL TABLE contacts_search USING fts5(
        search_text, content = 'contacts', content_rowid = 'rowid',
        tokenize = 'trigram case_sensitive 1'
      );
      INSERT INTO contacts_search (contacts_search) VALUES ('rebuild');

      CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
        INSERT INTO contacts_search (rowid, search_text) VALUES (new.rowid, new.search_text);
      END;
      CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
        INSERT INTO contacts_search (contacts_search, rowid, search_text)
          VALUES ('delete', old.rowid, old.search_text);
      END;
      CREATE TRIGGER contacts_search_update AFTER UPDATE OF search_text ON contacts BEGIN
        INSERT INTO contacts_search (contacts_search, rowid, search_text)
          VALUES ('delete', old.rowid, old.search_text);
        INSERT INTO contacts_search (rowid, search_text) VALUES (new.rowid, new.search_text);
      END;
    `,
  },
  {
    version: 4,
    description: "tenant isolation: a search index and a tag index per workspace",
    sql: `
      -- One shared trigram index walked every workspace's postings before the workspace filter,
      -- so a search's time told whether other workspaces held the term. Each workspace now gets
      -- its own index (created by the store at its first contact; see workspace-search-index.ts).
      DROP TRIGGER contacts_search_insert;
      DROP TRIGGER contacts_search_delete;
      DROP TRIGGER contacts_search_update;
      DROP TABLE contacts_search;

      -- Contacts rewritten in (workspace, id) order, so that within a workspace the rowid
      -- follows the id: a search index read in rowid order returns contacts in id order. The
      -- store keeps it so (a new contact's id must be the workspace's greatest).
      CREATE TABLE contacts_v4 (
        rowid        INTEGER PRIMARY KEY,
        id           TEXT NOT NULL UNIQUE,        -- contact_<ULID>
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        external_id  TEXT NOT NULL,
        display_name TEXT,
        email        TEXT,
        avatar_url   TEXT,
        tags         TEXT NOT NULL,               -- JSON array, order kept
        metadata     TEXT NOT NULL,               -- JSON object
        search_text  TEXT NOT NULL,               -- lower-cased external_id, display_name, email
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        version      INTEGER NOT NULL DEFAULT 1
      );
      INSERT INTO contacts_v4 (id, workspace_id, external_id, display_name, email, avatar_url,
          tags, metadata, search_text, created_at, updated_at, version)
        SELECT id, workspace_id, external_id, display_name, email, avatar_url, tags, metadata,
          search_text, created_at, updated_at, version
        FROM contacts ORDER BY workspace_id, id;

      -- Tags keyed by workspace first: "has tag T" is a range of one workspace's index, in id
      -- order, whatever other workspaces hold.
      CREATE TABLE contact_tags_v4 (
        workspace_id TEXT NOT NULL,
        tag          TEXT NOT NULL,
        contact_id   TEXT NOT NULL REFERENCES contacts_v4(id) ON DELETE CASCADE,
        PRIMARY KEY (workspace_id, tag, contact_id)
      ) WITHOUT ROWID;
      INSERT INTO contact_tags_v4 (workspace_id, tag, contact_id)
        SELECT c.workspace_id, t.tag, t.contact_id
        FROM contact_tags t JOIN contacts c ON c.id = t.contact_id;
      -- Deleting a contact cascades to its tags through this index.
      CREATE INDEX contact_tags_contact ON contact_tags_v4 (contact_id);

      DROP TABLE contact_tags;
      DROP TABLE contacts;
      ALTER TABLE contacts_v4 RENAME TO contacts;
      ALTER TABLE contact_tags_v4 RENAME TO contact_tags;
      CREATE UNIQUE INDEX contacts_workspace_external_id ON contacts (workspace_id, external_id);
      CREATE INDEX contacts_workspace_id ON contacts (workspace_id, id);
    `,
    apply: (db) => {
      const workspaces = db.prepare("SELECT DISTINCT workspace_id AS id FROM contacts").all() as {
        id: string;
      }[];
      for (const { id } of workspaces) {
        const table = searchTableOf(id);
        db.exec(createSearchTableSql(table));
        db.prepare(
          `INSERT INTO ${table} (rowid, search_text)
           SELECT rowid, search_text FROM contacts WHERE workspace_id = ?`,
        ).run(id);
      }
    },
  },
  {
    version: 5,
    description: "usage events and their hourly and daily totals per contact",
    sql: `
      -- Keyed by workspace first, like everything a request reads. The primary key is the
      -- per-workspace dedupe of event ids: the first event with an id wins.
      CREATE TABLE usage_events (
        workspace_id  TEXT NOT NULL,
        event_id      TEXT NOT NULL,
        contact_id    TEXT NOT NULL,
        ts            INTEGER NOT NULL,           -- ms since epoch
        cost_micros   INTEGER NOT NULL,           -- micro-USD: sums stay exact
        tokens        INTEGER NOT NULL,
        error         INTEGER NOT NULL,           -- 0 or 1
        model         TEXT,
        input_tokens  INTEGER,
        output_tokens INTEGER,
        latency_ms    REAL,
        PRIMARY KEY (workspace_id, event_id)
      ) WITHOUT ROWID;
      -- A contact's events: its deletion, and pruning by day.
      CREATE INDEX usage_events_contact ON usage_events (workspace_id, contact_id, ts);

      -- Totals per contact and UTC hour / day, written in the events' transaction: metrics,
      -- series and top lists read these, never the events.
      CREATE TABLE usage_hourly (
        workspace_id TEXT NOT NULL,
        contact_id   TEXT NOT NULL,
        hour         INTEGER NOT NULL,            -- floor(ms / 3600000)
        cost_micros  INTEGER NOT NULL,
        tokens       INTEGER NOT NULL,
        requests     INTEGER NOT NULL,
        errors       INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, contact_id, hour)
      ) WITHOUT ROWID;
      CREATE TABLE usage_daily (
        workspace_id TEXT NOT NULL,
        contact_id   TEXT NOT NULL,
        day          INTEGER NOT NULL,            -- floor(ms / 86400000)
        cost_micros  INTEGER NOT NULL,
        tokens       INTEGER NOT NULL,
        requests     INTEGER NOT NULL,
        errors       INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, contact_id, day)
      ) WITHOUT ROWID;
      -- A workspace's days in order, totals included: top lists and pruning read only this.
      CREATE INDEX usage_daily_by_day
        ON usage_daily (workspace_id, day, contact_id, cost_micros, tokens, requests, errors);

      -- Deleting a contact deletes its usage, in the same transaction, whoever deletes it.
      CREATE TRIGGER contacts_usage_delete AFTER DELETE ON contacts BEGIN
        DELETE FROM usage_events WHERE workspace_id = old.workspace_id AND contact_id = old.id;
        DELETE FROM usage_hourly WHERE workspace_id = old.workspace_id AND contact_id = old.id;
        DELETE FROM usage_daily WHERE workspace_id = old.workspace_id AND contact_id = old.id;
      END;
    `,
  },
  {
    version: 6,
    description: "indexes for the identity list orders (sort_by)",
    sql: `
      -- Keyset pagination by display name (A-Z, NULL first) and by last update, within a workspace.
      CREATE INDEX contacts_workspace_display_name ON contacts (workspace_id, display_name, id);
      CREATE INDEX contacts_workspace_updated ON contacts (workspace_id, updated_at, id);
    `,
  },
  {
    version: 7,
    description: "each workspace's top-list window: per-contact totals of its last 30 days",
    sql: `
      -- The days [first_day, first_day + 30) whose totals usage_window holds for the workspace:
      -- moved forward as the days pass (rolled), so the default top list is an index walk.
      CREATE TABLE usage_window_start (
        workspace_id TEXT PRIMARY KEY,
        first_day    INTEGER NOT NULL
      ) WITHOUT ROWID;
      -- Per-contact totals over the workspace's window, kept in the ingest transaction, by the
      -- roll, by pruning and by contact deletes. A contact without usage in it has no row.
      CREATE TABLE usage_window (
        workspace_id TEXT NOT NULL,
        contact_id   TEXT NOT NULL,
        cost_micros  INTEGER NOT NULL,
        tokens       INTEGER NOT NULL,
        requests     INTEGER NOT NULL,
        errors       INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, contact_id)
      ) WITHOUT ROWID;
      -- One index per ranking, prefixed by the workspace (another workspace's rows are never
      -- walked) and holding only non-zero totals (the top list lists no zeros).
      CREATE INDEX usage_window_by_cost ON usage_window (workspace_id, cost_micros, contact_id)
        WHERE cost_micros > 0;
      CREATE INDEX usage_window_by_tokens ON usage_window (workspace_id, tokens, contact_id)
        WHERE tokens > 0;
      CREATE INDEX usage_window_by_requests ON usage_window (workspace_id, requests, contact_id)
        WHERE requests > 0;
      CREATE INDEX usage_window_by_errors ON usage_window (workspace_id, errors, contact_id)
        WHERE errors > 0;
      CREATE TRIGGER contacts_usage_window_delete AFTER DELETE ON contacts BEGIN
        DELETE FROM usage_window WHERE workspace_id = old.workspace_id AND contact_id = old.id;
      END;
    `,
  },
];
