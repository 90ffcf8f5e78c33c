// Versioned schema migrations of the PostgreSQL store, applied in order, each in its own
// transaction, under an advisory lock (see migrate.ts). Never edit a released migration: append.
// Text that is compared or ordered is COLLATE "C": byte order is code-point order in UTF-8, as
// in SQLite, so ids, cursors and the display-name order are the same on both stores.

/**
 * The first key of each workspace's window lock, `pg_advisory_xact_lock(class, hashtext(id))`:
 * any fixed number, the same in every replica (two-key locks never meet the one-key ones).
 */
export const USAGE_WINDOW_LOCK_CLASS = 7_240_004;

export interface PostgresMigration {
  version: number;
  description: string;
  sql: string;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: "workspaces, api keys, contacts, their tags and search index, idempotency keys",
    sql: `
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE EXTENSION IF NOT EXISTS btree_gin;

      CREATE TABLE workspaces (
        id         uuid PRIMARY KEY,
        name       text COLLATE "C" NOT NULL UNIQUE,
        created_at bigint NOT NULL                    -- ms since epoch
      );

      CREATE TABLE api_keys (
        id           text COLLATE "C" PRIMARY KEY,    -- public part of the key
        workspace_id uuid NOT NULL REFERENCES workspaces (id),
        secret_hash  bytea NOT NULL,                  -- SHA-256 of the whole key
        created_at   bigint NOT NULL,
        revoked_at   bigint
      );

      CREATE TABLE contacts (
        workspace_id uuid NOT NULL REFERENCES workspaces (id),
        id           text COLLATE "C" NOT NULL,       -- contact_<ULID>
        external_id  text COLLATE "C" NOT NULL,
        display_name bytea,                           -- UTF-8: may hold U+0000, byte order
        email        text,
        avatar_url   text,
        tags         text NOT NULL,                   -- JSON array, order kept
        metadata     text NOT NULL,                   -- JSON object, exactly as acknowledged
        search_text  text NOT NULL,                   -- lower-cased external_id, display_name, email
        created_at   bigint NOT NULL,
        updated_at   bigint NOT NULL,
        version      integer NOT NULL,
        -- Keyset pagination, newest first, within a workspace.
        PRIMARY KEY (workspace_id, id),
        -- A duplicate external_id fails inside the INSERT itself, whichever replica sends it.
        UNIQUE (workspace_id, external_id)
      );
      -- The identity orders (sort_by): display name A-Z with no name first, last update.
      CREATE INDEX contacts_workspace_display_name
        ON contacts (workspace_id, display_name NULLS FIRST, id);
      CREATE INDEX contacts_workspace_updated ON contacts (workspace_id, updated_at, id);
      -- Substring search: trigrams of the search text, with the workspace in the same index.
      CREATE INDEX contacts_search ON contacts USING gin (workspace_id, search_text gin_trgm_ops);

      -- Tags keyed by workspace first: "has tag T" is a range of one workspace's index, in id order.
      CREATE TABLE contact_tags (
        workspace_id uuid NOT NULL,
        tag          text COLLATE "C" NOT NULL,
        contact_id   text COLLATE "C" NOT NULL,
        PRIMARY KEY (workspace_id, tag, contact_id),
        FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE
      );
      CREATE INDEX contact_tags_contact ON contact_tags (workspace_id, contact_id);

      CREATE TABLE idempotency_keys (
        workspace_id uuid NOT NULL,
        key          text COLLATE "C" NOT NULL,
        fingerprint  text NOT NULL,                   -- SHA-256 of method, path and body bytes
        response     text,                            -- JSON; NULL while the first request runs
        created_at   bigint NOT NULL,
        PRIMARY KEY (workspace_id, key)
      );
      CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
    `,
  },
  {
    version: 2,
    description: "usage events and their hourly and daily totals per contact",
    sql: `
      -- The primary key is the per-workspace dedupe of event ids: the first event with an id wins.
      CREATE TABLE usage_events (
        workspace_id  uuid NOT NULL,
        event_id      text COLLATE "C" NOT NULL,
        contact_id    text COLLATE "C" NOT NULL,
        ts            bigint NOT NULL,                -- ms since epoch
        cost_micros   bigint NOT NULL,                -- micro-USD: sums stay exact
        tokens        bigint NOT NULL,
        error         boolean NOT NULL,
        model         text,
        input_tokens  bigint,
        output_tokens bigint,
        latency_ms    double precision,
        PRIMARY KEY (workspace_id, event_id)
      );
      CREATE INDEX usage_events_contact ON usage_events (workspace_id, contact_id, ts);

      -- Totals per contact and UTC hour / day, written in the events' transaction.
      CREATE TABLE usage_hourly (
        workspace_id uuid NOT NULL,
        contact_id   text COLLATE "C" NOT NULL,
        hour         bigint NOT NULL,                 -- floor(ms / 3600000)
        cost_micros  bigint NOT NULL,
        tokens       bigint NOT NULL,
        requests     bigint NOT NULL,
        errors       bigint NOT NULL,
        PRIMARY KEY (workspace_id, contact_id, hour)
      );
      CREATE TABLE usage_daily (
        workspace_id uuid NOT NULL,
        contact_id   text COLLATE "C" NOT NULL,
        day          bigint NOT NULL,                 -- floor(ms / 86400000)
        cost_micros  bigint NOT NULL,
        tokens       bigint NOT NULL,
        requests     bigint NOT NULL,
        errors       bigint NOT NULL,
        PRIMARY KEY (workspace_id, contact_id, day)
      );
      CREATE INDEX usage_daily_by_day
        ON usage_daily (workspace_id, day, contact_id) INCLUDE (cost_micros, tokens, requests, errors);

      -- Deleting a contact deletes its usage, in the same transaction, whoever deletes it.
      CREATE FUNCTION contacts_usage_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM usage_events WHERE workspace_id = OLD.workspace_id AND contact_id = OLD.id;
        DELETE FROM usage_hourly WHERE workspace_id = OLD.workspace_id AND contact_id = OLD.id;
        DELETE FROM usage_daily WHERE workspace_id = OLD.workspace_id AND contact_id = OLD.id;
        RETURN OLD;
      END $$;
      CREATE TRIGGER contacts_usage_delete AFTER DELETE ON contacts
        FOR EACH ROW EXECUTE FUNCTION contacts_usage_delete();
    `,
  },
  {
    version: 3,
    description:
      "search keys prefixed by the workspace, so a search reads only its workspace's postings",
    sql: `
      -- The distinct substrings of 3 characters of a search text (by character, as SQLite's FTS5
      -- trigram tokenizer with case_sensitive 1: the text is lower-cased already), each prefixed
      -- by the workspace. A key's posting list then holds one workspace's contacts only, where
      -- migration 1's index kept the workspace and the trigrams as separate keys, so a search
      -- read every workspace's postings of its trigrams. A search term holds no line break, so
      -- the trigrams across two fields (one field a line) are left out.
      CREATE FUNCTION contact_search_keys(workspace_id uuid, search_text text) RETURNS text[]
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN ARRAY(
          SELECT DISTINCT workspace_id::text || ':' || substr(search_text, i, 3)
          FROM generate_series(1, char_length(search_text) - 2) AS i
          WHERE strpos(substr(search_text, i, 3), E'\\n') = 0);

      -- An expression index, not a stored column: the keys cost no heap space, and the index
      -- follows every write of search_text with no change to the statements that write it.
      -- fastupdate off: a pending list holds every workspace's recent entries and each search
      -- reads all of it, which would bring back what the prefix takes away.
      CREATE INDEX contacts_search_keys ON contacts
        USING gin (contact_search_keys(workspace_id, search_text)) WITH (fastupdate = off);
      DROP INDEX contacts_search;
    `,
  },
  {
    version: 4,
    description: "each workspace's top-list window: per-contact totals of its last 30 days",
    sql: `
      -- The days [first_day, first_day + 30) whose totals usage_window holds for the workspace:
      -- moved forward as the days pass (rolled), so the default top list is an index walk.
      CREATE TABLE usage_window_start (
        workspace_id uuid PRIMARY KEY,
        first_day    bigint NOT NULL
      );
      -- Per-contact totals over the workspace's window, kept in the ingest transaction, by the
      -- roll, by pruning and by contact deletes. A contact without usage in it has no row.
      CREATE TABLE usage_window (
        workspace_id uuid NOT NULL,
        contact_id   text COLLATE "C" NOT NULL,
        cost_micros  bigint NOT NULL,
        tokens       bigint NOT NULL,
        requests     bigint NOT NULL,
        errors       bigint NOT NULL,
        PRIMARY KEY (workspace_id, contact_id)
      );
      -- One index per ranking, prefixed by the workspace (another workspace's rows are never
      -- walked) and holding only non-zero totals (the top list lists no zeros).
      CREATE INDEX usage_window_by_cost ON usage_window (workspace_id, cost_micros DESC, contact_id DESC)
        WHERE cost_micros > 0;
      CREATE INDEX usage_window_by_tokens ON usage_window (workspace_id, tokens DESC, contact_id DESC)
        WHERE tokens > 0;
      CREATE INDEX usage_window_by_requests ON usage_window (workspace_id, requests DESC, contact_id DESC)
        WHERE requests > 0;
      CREATE INDEX usage_window_by_errors ON usage_window (workspace_id, errors DESC, contact_id DESC)
        WHERE errors > 0;

      -- A deleted contact leaves the window in the delete's transaction. The workspace's window
      -- lock (shared; a roll holds it exclusively, see postgres-usage-store.ts) keeps a roll that
      -- read the contact's daily totals before the delete from writing its row back after it.
      CREATE FUNCTION contacts_usage_window_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock_shared(${USAGE_WINDOW_LOCK_CLASS}, hashtext(OLD.workspace_id::text));
        DELETE FROM usage_window WHERE workspace_id = OLD.workspace_id AND contact_id = OLD.id;
        RETURN OLD;
      END $$;
      CREATE TRIGGER contacts_usage_window_delete AFTER DELETE ON contacts
        FOR EACH ROW EXECUTE FUNCTION contacts_usage_window_delete();
    `,
  },
];

/** The schema version the code expects; readiness compares the database against it. */
export const LATEST_POSTGRES_VERSION = POSTGRES_MIGRATIONS.at(-1)?.version ?? 0;
