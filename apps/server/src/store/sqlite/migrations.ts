/**
 * Versioned schema migrations, applied in order inside one transaction each; the applied version
 * is SQLite's `user_version`. Never edit a released migration: append a new one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
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
  // Versions 4 (tenant isolation) and 5 (usage) are assigned to other changes.
  {
    version: 6,
    description: "indexes for the identity list orders (sort_by)",
    sql: `
      -- Keyset pagination by display name (A-Z, NULL first) and by last update, within a workspace.
      CREATE INDEX contacts_workspace_display_name ON contacts (workspace_id, display_name, id);
      CREATE INDEX contacts_workspace_updated ON contacts (workspace_id, updated_at, id);
    `,
  },
];
