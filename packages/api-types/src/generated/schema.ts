/**
 * DO NOT EDIT. This file is generated from openapi.yaml by openapi-typescript.
 * Change openapi.yaml, then run `npm run generate` at the repository root.
 */

export interface paths {
    "/v2/contacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List contacts
         * @description Lists the workspace's contacts, newest first (descending `_id`), a page at a time.
         *
         *     Pagination is keyset-based, as Stripe's: `starting_after=X` returns the `limit` contacts
         *     just older than `X`; `ending_before=X` returns the `limit` contacts just newer than `X`
         *     (the previous page), still newest first. `has_more` tells whether more contacts exist
         *     beyond this page in the direction of travel. A cursor is a position, not a lookup: it
         *     stays valid after its contact is deleted, and an `_id` that is not in the workspace
         *     simply marks a point in time. Pages are stable under concurrent inserts.
         */
        get: operations["listContacts"];
        put?: never;
        /**
         * Create a contact
         * @description Creates a new contact with a unique `external_id`. If a contact with the same
         *     `external_id` already exists in the workspace, the request fails with `409` and the body
         *     names the existing contact's `_id` (`existing_id`).
         *
         *     Send an `Idempotency-Key` to make retries safe: the first completed response for a key is
         *     stored for 24 hours and replayed, with `Idempotent-Replayed: true`, for a retry of the
         *     same request (same method, path and body bytes) without creating anything again.
         */
        post: operations["createContact"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/contacts/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Import contacts in bulk
         * @description Imports contacts from a JSON Lines body (`application/x-ndjson`): one create body
         *     (`CreateContactRequest`) per line. The body may be up to 64 MiB; it is read as it arrives
         *     and applied in batches of 250 lines, **each batch in one transaction** (an interrupted
         *     request leaves whole batches only). Blank lines are passed over; line numbers count every
         *     line from 1.
         *
         *     - **Every line passes the same rules as `POST /v2/contacts`**: the schema's limits and the
         *       domain's (NFC, tags, metadata). A bad line never stops the import: it is counted in
         *       `rejected` and described in `errors` with its line number and the error `code`,
         *       `message` and `details` a create of it would answer. A line longer than 128 KiB is
         *       `payload_too_large`; one that is not JSON is `malformed_json`.
         *     - `mode=create` (default): a line whose `external_id` the workspace already has is left
         *       as it is and counted in `skipped`. `mode=upsert`: such a line is applied to the
         *       contact as a merge patch (as `PATCH /v2/contacts/{id}` does), counted in `updated`, or
         *       in `unchanged` when it changes nothing (no version bump, `updated` kept).
         *     - **Resending a body is safe**: whatever was applied the first time is skipped or
         *       unchanged the second.
         *     - `errors` holds the first 1000 rejected lines; `rejected` counts them all.
         *     - Rate limit: besides the request itself, every 100 lines cost one request of the key's
         *       budget. A first batch the budget cannot cover is a `429` with nothing written; later
         *       batches wait for the budget to refill.
         */
        post: operations["importContacts"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/contacts/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export every contact
         * @description Streams every contact of the workspace as JSON Lines (`application/x-ndjson`), oldest
         *     first (creation order), each line a `CreateContactRequest` with all six fields: the body
         *     `POST /v2/contacts/import` takes. Importing it into an empty workspace recreates the
         *     contacts in the same order, and exporting that gives the same bytes. Contacts created
         *     while the export runs may or may not be in it.
         *
         *     The paths `/v2/contacts/import` and `/v2/contacts/export` take only their own methods
         *     (anything else is a `405`): a contact whose `external_id` is `import` or `export` is
         *     retrieved, updated and deleted by its `_id`.
         */
        get: operations["exportContacts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/contacts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The contact's `_id` or its `external_id` (compared in Unicode NFC, as stored).
                 * @example contact_01ARZ3NDEKTSV4RRFFQ69G5FAV
                 */
                id: components["parameters"]["ContactRef"];
            };
            cookie?: never;
        };
        /**
         * Retrieve a contact
         * @description Retrieves a contact by its `_id` or by its `external_id`; an `_id` match wins. With
         *     `If-None-Match` holding the contact's current `ETag`, answers `304` without a body.
         */
        get: operations["retrieveContact"];
        put?: never;
        post?: never;
        /**
         * Delete a contact
         * @description Deletes a contact by its `_id` or by its `external_id`. With `If-Match`, only if the
         *     contact's current `ETag` is listed (or the value is `*`); otherwise `412`.
         */
        delete: operations["deleteContact"];
        options?: never;
        head?: never;
        /**
         * Update a contact
         * @description Partially updates a contact with JSON Merge Patch semantics (RFC 7396): an absent field is
         *     unchanged, `null` clears a nullable field, `tags` replaces the whole array, and `metadata`
         *     merges key by key (`null` removes a key). `_id`, `external_id`, `workspace_id` and
         *     `created` cannot be changed (`400`). `updated` moves on every change. An empty body is
         *     an empty patch (orq.ai's client sends none when there is nothing to change).
         *
         *     With `If-Match`, the update applies only if the contact's current `ETag` is listed (or the
         *     value is `*`); otherwise `412` and nothing changes.
         */
        patch: operations["updateContact"];
        trace?: never;
    };
    "/v2/contacts/{id}/usage": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The contact's `_id` or its `external_id` (compared in Unicode NFC, as stored).
                 * @example contact_01ARZ3NDEKTSV4RRFFQ69G5FAV
                 */
                id: components["parameters"]["ContactRef"];
            };
            cookie?: never;
        };
        /**
         * Retrieve a contact's usage over time
         * @description The contact's usage in UTC buckets (hours or days) covering `[from, to)`: every bucket, in
         *     order, zeros included. `from` is rounded down and `to` up to a bucket boundary; each
         *     bucket counts the events whose `timestamp` falls in it. At most 744 hourly or 400 daily
         *     buckets (`400` otherwise). Defaults: `to` is the end of the current bucket, `from` 30 days
         *     before `to`.
         */
        get: operations["retrieveContactUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Record usage events
         * @description Records 1–1000 usage events (calls your system attributes to a contact), in one
         *     transaction: all of them or none.
         *
         *     - **Deduplicated per workspace by `id`**: an event whose `id` the workspace has seen
         *       before (in an earlier batch or earlier in this one) is a duplicate, never counted twice,
         *       whatever its content: the first one wins. Resending a batch is therefore always safe.
         *       An id is remembered as long as its event is kept (see retention below) and forgotten
         *       when its contact is deleted.
         *     - **The whole batch is validated first**: one invalid event is a `400` whose `details`
         *       name it (`/body/events/3/cost`), and nothing is stored.
         *     - `contact` is a contact `_id` or `external_id`. An `external_id` the workspace does not
         *       have yet **creates the contact** (no other fields), counted in `contacts_created`. An
         *       `_id` the workspace does not have is a `422` (`unknown_contact`) naming the event, and
         *       nothing is stored.
         *     - `timestamp` may be at most 5 minutes in the future, and not older than the server's
         *       retention period (`USAGE_RETENTION_DAYS`, 400 days by default), after which events are
         *       deleted.
         *     - `cost` is kept in micro-USD: a cost with more than 6 decimals is rounded to the
         *       nearest micro-USD, and every sum the API returns is exact to the micro-USD.
         *
         *     The body may be up to 2 MiB, enough for 1000 events with every field at its longest.
         */
        post: operations["recordUsage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/usage/top": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the contacts that used the most
         * @description The workspace's contacts with the largest totals over the UTC days `[from, to)`, largest
         *     first (ties: newest contact first); only contacts with a non-zero total are listed.
         *     Defaults: the last 30 days, today included. At most 400 days.
         */
        get: operations["listTopContacts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/identities": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List identities
         * @description Lists the workspace's identities a page at a time, in the order `sort_by` names, with
         *     keyset cursors as on `GET /v2/contacts` (`starting_after` the last `_id` of a page for
         *     the next one, `ending_before` the first `_id` for the previous one; each page is in the
         *     list's order; `has_more` looks in the direction of travel):
         *
         *     - `IDENTITY_SORT_FIELD_UNSPECIFIED` (the default): newest first (descending `_id`). A
         *       cursor is a position, as on contacts: it stays valid after its identity is deleted.
         *     - `IDENTITY_SORT_FIELD_DISPLAY_NAME`: by `display_name` ascending, compared by Unicode
         *       code point (so case-sensitive: `Zoë` before `jane`); identities without a display name
         *       come first; equal names by ascending `_id`.
         *     - `IDENTITY_SORT_FIELD_UPDATED`: most recently updated first; equal `updated` by
         *       descending `_id`.
         *
         *     Under a sorted order a cursor must name an identity of the workspace, whose current sort
         *     key marks the position: a cursor whose identity was deleted is `400` (restart the walk),
         *     and an identity renamed or updated during a walk may be seen twice or not at all, as in
         *     any order by a changing field. A walk over unchanging identities never repeats or skips
         *     one, and identities inserted during it do not disturb it.
         */
        get: operations["listIdentities"];
        put?: never;
        /**
         * Create an identity
         * @description Creates an identity: the same body and rules as creating a contact. A duplicate
         *     `external_id` is `409` (`existing_id` names the holder). `Idempotency-Key` works as on
         *     `POST /v2/contacts`.
         */
        post: operations["createIdentity"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/identities/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The contact's `_id` or its `external_id` (compared in Unicode NFC, as stored).
                 * @example contact_01ARZ3NDEKTSV4RRFFQ69G5FAV
                 */
                id: components["parameters"]["ContactRef"];
            };
            cookie?: never;
        };
        /**
         * Retrieve an identity
         * @description Retrieves an identity by its `_id` or by its `external_id`; an `_id` match wins. With
         *     `If-None-Match` holding its current `ETag`, answers `304` without a body.
         */
        get: operations["retrieveIdentity"];
        put?: never;
        post?: never;
        /**
         * Delete an identity
         * @description Deletes an identity (the same record as the contact) by its `_id` or `external_id`,
         *     answering `200 {}` as orq.ai does. With `If-Match`, only if its current `ETag` is listed
         *     (or the value is `*`); otherwise `412`.
         */
        delete: operations["deleteIdentity"];
        options?: never;
        head?: never;
        /**
         * Update an identity
         * @description Partially updates an identity, exactly as `PATCH /v2/contacts/{id}`: JSON Merge Patch
         *     (an absent field is unchanged, `null` clears, `tags` replaces the array, `metadata`
         *     merges key by key), `If-Match` for a conditional update (`412` otherwise).
         */
        patch: operations["updateIdentity"];
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * @description Unique ULID (Universally Unique Lexicographically Sortable Identifier) for the contact.
         * @example contact_01ARZ3NDEKTSV4RRFFQ69G5FAV
         */
        ContactId: string;
        /**
         * @description Unique string value to identify the contact user in the customer's system. This should be
         *     the same ID you use in your system to reference this user. Unique per workspace; cannot be
         *     changed. No control characters, not `.` or `..` (URL clients resolve those away), and not
         *     shaped like a contact `_id` (`contact_` + ULID), so that `/v2/contacts/{id}` always means
         *     one contact.
         *
         *     Stored in Unicode NFC: `é` as U+00E9 and as `e` + U+0301 are the same `external_id`
         *     (the second is stored, and answered, as the first). No zero-width, invisible or
         *     bidi-control characters (U+061C, U+200B–U+200F, U+202A–U+202E, U+2060–U+206F, U+FEFF):
         *     they would make two ids that look the same, or text that displays reordered. At most 120
         *     characters also after normalization.
         * @example user_12345
         */
        ExternalId: string;
        /**
         * @description Display name or nickname of the contact user. This is typically shown in user interfaces.
         *     Stored in Unicode NFC (at most 256 characters also after normalization).
         * @example Jane Smith
         */
        DisplayName: string | null;
        /**
         * Format: email
         * @description Email address of the contact user. Stored in Unicode NFC.
         * @example jane.smith@example.com
         */
        Email: string | null;
        /**
         * Format: uri
         * @description Absolute `http(s)` URL of the contact user's avatar image.
         * @example https://example.com/avatars/jane-smith.jpg
         */
        AvatarUrl: string | null;
        /**
         * @description No commas, since the tag filter accepts a comma-separated list. Stored in Unicode NFC
         *     (`é` as U+00E9 and as `e` + U+0301 are one tag; at most 64 characters also after
         *     normalization). No zero-width, invisible or bidi-control characters (U+061C,
         *     U+200B–U+200F, U+202A–U+202E, U+2060–U+206F, U+FEFF; so no emoji joined with U+200D).
         * @example premium
         */
        Tag: string;
        /**
         * @description Tags associated with the contact, for organizing and filtering. At most 50; duplicates
         *     (after NFC normalization) collapse, first order kept.
         * @example [
         *       "premium",
         *       "beta-user",
         *       "enterprise"
         *     ]
         */
        Tags: components["schemas"]["Tag"][];
        /**
         * @description Additional custom metadata as key-value pairs of any JSON values. At most 50 keys of 1–40
         *     characters, at most 16 KiB serialized.
         * @example {
         *       "department": "Engineering",
         *       "role": "Senior Developer",
         *       "subscription_tier": "premium",
         *       "last_login": "2024-01-15T10:30:00Z"
         *     }
         */
        Metadata: {
            [key: string]: unknown;
        };
        /**
         * @description The contact's usage over the last 30 days, counted by the hour: the events whose
         *     `timestamp` falls in the current UTC hour or the 719 hours before it (or later, up to 5
         *     minutes ahead). `total_cost` is in USD, exact to the micro-USD (6 decimals);
         *     `error_rate` is failed requests ÷ requests, `0` when there are none. All values are `0`
         *     until usage is recorded (`POST /v2/usage`).
         */
        Metrics: {
            total_cost: number;
            total_tokens: number;
            total_requests: number;
            error_rate: number;
        };
        /**
         * Format: date-time
         * @description RFC 3339 date-time in UTC with milliseconds.
         * @example 2024-01-15T10:30:00.000Z
         */
        Timestamp: string;
        /** @description A user of the customer's system. */
        Contact: {
            _id: components["schemas"]["ContactId"];
            external_id: components["schemas"]["ExternalId"];
            /**
             * Format: uuid
             * @description Unique identifier for the workspace to which the contact belongs.
             * @example 550e8400-e29b-41d4-a716-446655440000
             */
            workspace_id: string;
            display_name: components["schemas"]["DisplayName"];
            email: components["schemas"]["Email"];
            avatar_url: components["schemas"]["AvatarUrl"];
            tags: components["schemas"]["Tags"];
            metadata: components["schemas"]["Metadata"];
            metrics: components["schemas"]["Metrics"];
            /** @description The date and time the resource was created. */
            created: components["schemas"]["Timestamp"];
            /** @description The date and time the resource was last updated. */
            updated: components["schemas"]["Timestamp"];
        };
        /** @description Contact profile information. */
        CreateContactRequest: {
            external_id: components["schemas"]["ExternalId"];
            display_name?: components["schemas"]["DisplayName"];
            email?: components["schemas"]["Email"];
            avatar_url?: components["schemas"]["AvatarUrl"];
            tags?: components["schemas"]["Tags"];
            metadata?: components["schemas"]["Metadata"];
        };
        /**
         * @description A JSON Merge Patch of the contact's mutable fields. `null` clears a nullable field; in
         *     `metadata`, `null` removes the key. `tags: null` clears the tags.
         */
        UpdateContactRequest: {
            display_name?: components["schemas"]["DisplayName"];
            email?: components["schemas"]["Email"];
            avatar_url?: components["schemas"]["AvatarUrl"];
            tags?: components["schemas"]["Tags"] | null;
            metadata?: components["schemas"]["Metadata"] | null;
        };
        /**
         * @description Stable, machine-readable error code.
         * @enum {string}
         */
        ErrorCode: "validation_failed" | "malformed_json" | "immutable_field" | "unauthorized" | "not_found" | "route_not_found" | "external_id_conflict" | "payload_too_large" | "unsupported_media_type" | "method_not_allowed" | "idempotency_key_in_use" | "idempotency_key_reused" | "precondition_failed" | "rate_limited" | "query_too_broad" | "unknown_contact" | "internal_error" | "service_unavailable";
        /** @description One entry per failing field. */
        ErrorDetails: {
            /** @description JSON pointer of the failing value, e.g. `/body/email` or `/query/limit`. */
            path: string;
            message: string;
        }[];
        /** @description What an import did, line by line. */
        ImportResult: {
            created: number;
            /** @description Existing contacts a line changed (`mode=upsert`). */
            updated: number;
            /** @description Existing contacts a line left as they were (`mode=upsert`). */
            unchanged: number;
            /** @description Lines whose `external_id` the workspace already had (`mode=create`). */
            skipped: number;
            rejected: number;
            /** @description The first 1000 rejected lines, in line order. */
            errors: components["schemas"]["ImportLineError"][];
        };
        ImportLineError: {
            /** @description The line's number in the body, from 1. */
            line: number;
            code: components["schemas"]["ErrorCode"];
            message: string;
            details: components["schemas"]["ErrorDetails"];
        };
        ContactList: {
            /** @constant */
            object: "list";
            data: components["schemas"]["Contact"][];
            /** @description Whether more contacts exist beyond this page in the direction of travel. */
            has_more: boolean;
        };
        /** @description One call your system attributes to a contact. */
        UsageEvent: {
            /**
             * @description Your unique id of the event; the workspace counts each id once.
             * @example evt_01J9ZQ3K8M
             */
            id: string;
            /**
             * @description The contact's `_id`, or its `external_id` (a new `external_id` creates the contact),
             *     taken in NFC and under the same rules as `ExternalId` (no invisible or bidi-control
             *     characters).
             * @example user_12345
             */
            contact: string;
            /**
             * Format: date-time
             * @description When the call happened (RFC 3339); at most 5 minutes in the future.
             * @example 2024-01-15T10:30:00Z
             */
            timestamp: string;
            /**
             * @description USD, kept to the micro-USD (6 decimals, rounded).
             * @example 0.00042
             */
            cost: number;
            /** @example 1250 */
            tokens: number;
            /** @description Whether the call failed; absent means `false`. */
            error?: boolean;
            /** @example gpt-4o-mini */
            model?: string;
            input_tokens?: number;
            output_tokens?: number;
            latency_ms?: number;
        };
        /** @description A batch of usage events. */
        RecordUsageRequest: {
            events: components["schemas"]["UsageEvent"][];
        };
        /** @description What the batch did. */
        RecordUsageResponse: {
            /** @description Events stored and counted now. */
            accepted: number;
            /** @description Events whose `id` the workspace had already seen; not counted again. */
            duplicates: number;
            /** @description Contacts created for `external_id`s the workspace did not have. */
            contacts_created: number;
        };
        /** @description One UTC hour or day of a contact's usage. */
        UsageBucket: {
            /** @description Start of the bucket. */
            start: components["schemas"]["Timestamp"];
            /** @description USD, exact to the micro-USD (6 decimals). */
            total_cost: number;
            total_tokens: number;
            total_requests: number;
            /** @description Failed requests ÷ requests; `0` when there are none. */
            error_rate: number;
        };
        /** @description A contact's usage, bucket by bucket. */
        UsageSeries: {
            /** @constant */
            object: "list";
            data: components["schemas"]["UsageBucket"][];
        };
        /** @description A contact and its totals over the period. */
        TopContact: {
            contact: components["schemas"]["Contact"];
            /** @description USD, exact to the micro-USD (6 decimals). */
            total_cost: number;
            total_tokens: number;
            total_requests: number;
            /** @description Failed requests ÷ requests; `0` when there are none. */
            error_rate: number;
        };
        /** @description The top contacts, largest first. */
        TopContactList: {
            /** @constant */
            object: "list";
            data: components["schemas"]["TopContact"][];
        };
        /**
         * @description A contact in the shape of orq.ai's identities API: the same record and rules, but an
         *     absent `display_name`, `email` or `avatar_url` is omitted (never `null`), and `metrics`
         *     is there only when asked for with `include_metrics=true`.
         */
        Identity: {
            _id: components["schemas"]["ContactId"];
            external_id: components["schemas"]["ExternalId"];
            /**
             * Format: uuid
             * @description Unique identifier for the workspace to which the identity belongs.
             */
            workspace_id: string;
            /** @description Display name of the identity; omitted when it has none. */
            display_name?: string;
            /**
             * Format: email
             * @description Email address of the identity; omitted when it has none.
             */
            email?: string;
            /**
             * Format: uri
             * @description Absolute `http(s)` URL of the identity's avatar; omitted when it has none.
             */
            avatar_url?: string;
            tags: components["schemas"]["Tags"];
            metadata: components["schemas"]["Metadata"];
            metrics?: components["schemas"]["Metrics"];
            /** @description The date and time the identity was created. */
            created: components["schemas"]["Timestamp"];
            /** @description The date and time the identity was last updated. */
            updated: components["schemas"]["Timestamp"];
        };
        /** @description One identity, wrapped. */
        IdentityResponse: {
            identity: components["schemas"]["Identity"];
        };
        IdentityList: {
            /** @constant */
            object: "list";
            data: components["schemas"]["Identity"][];
            /** @description Whether more identities exist beyond this page in the direction of travel. */
            has_more: boolean;
        };
        /**
         * @description The order of an identity list (see `listIdentities`).
         * @default IDENTITY_SORT_FIELD_UNSPECIFIED
         * @enum {string}
         */
        IdentitySortField: "IDENTITY_SORT_FIELD_UNSPECIFIED" | "IDENTITY_SORT_FIELD_DISPLAY_NAME" | "IDENTITY_SORT_FIELD_UPDATED";
        /** @description The empty object orq.ai answers a delete with. */
        DeletedIdentity: Record<string, never>;
        /**
         * @description The one error shape of the API. `error` and `message` carry the same text, because
         *     orq.ai's clients read one or the other; `code` is stable and meant for programs.
         */
        Error: {
            /** @description Human-readable message. */
            error: string;
            code: components["schemas"]["ErrorCode"];
            /** @description Same text as `error`. */
            message: string;
            details?: components["schemas"]["ErrorDetails"];
            /** @description On `unknown_contact`, the index of the first event whose `contact` is unknown. */
            event_index?: number;
            /** @description On `external_id_conflict`, the `_id` of the contact that already has it. */
            existing_id?: components["schemas"]["ContactId"];
            /** @description Same as the `Request-Id` response header. */
            request_id: string;
        };
    };
    responses: {
        /** @description The request is invalid; `details` names each failing field. */
        BadRequest: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "Invalid request: /body/email must match format \"email\"",
                 *       "code": "validation_failed",
                 *       "message": "Invalid request: /body/email must match format \"email\"",
                 *       "details": [
                 *         {
                 *           "path": "/body/email",
                 *           "message": "must match format \"email\""
                 *         }
                 *       ],
                 *       "request_id": "req_01HZY5V3GQ8M7N2K4P6R9S1T3W"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description The API key is missing, malformed, unknown or revoked. Too many of these from one client
         *     address get `429` (`failed-auth` policy) instead.
         */
        Unauthorized: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                "WWW-Authenticate": string;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "Missing or invalid API key",
                 *       "code": "unauthorized",
                 *       "message": "Missing or invalid API key",
                 *       "request_id": "req_01HZY5V3GQ8M7N2K4P6R9S1T3W"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description No contact with this `_id` or `external_id` in the workspace. */
        NotFound: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "Contact not found: user_12345",
                 *       "code": "not_found",
                 *       "message": "Contact not found: user_12345",
                 *       "request_id": "req_01HZY5V3GQ8M7N2K4P6R9S1T3W"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description A contact with this `external_id` already exists (`external_id_conflict`; `existing_id`
         *     names it), or a request with the same `Idempotency-Key` is still running
         *     (`idempotency_key_in_use`; retry later). A conflict is stored under its `Idempotency-Key`
         *     and replayed as it was first answered, `request_id` included.
         */
        Conflict: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "A contact with external_id \"user_12345\" already exists",
                 *       "code": "external_id_conflict",
                 *       "message": "A contact with external_id \"user_12345\" already exists",
                 *       "existing_id": "contact_01ARZ3NDEKTSV4RRFFQ69G5FAV",
                 *       "request_id": "req_01HZY5V3GQ8M7N2K4P6R9S1T3W"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description This `Idempotency-Key` was already used for a different request. */
        IdempotencyKeyReused: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The contact's current `ETag` is not one `If-Match` lists; nothing changed. */
        PreconditionFailed: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description The request body is larger than 128 KiB: refused from its `Content-Length` before any of
         *     it is read, or (chunked) as soon as it passes the limit. The connection is closed.
         */
        PayloadTooLarge: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The request body is larger than 64 MiB (lines before the limit may be applied). */
        ImportPayloadTooLarge: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The request body is larger than 2 MiB. */
        UsagePayloadTooLarge: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description An event's `contact` is shaped like a contact `_id` (`contact_` + ULID) that the
         *     workspace does not have (`unknown_contact`); `details` and `event_index` name the first
         *     such event. Nothing in the batch is stored.
         */
        UnknownContact: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "Event 3 names contact contact_01ARZ3NDEKTSV4RRFFQ69G5FAV, which does not exist",
                 *       "code": "unknown_contact",
                 *       "message": "Event 3 names contact contact_01ARZ3NDEKTSV4RRFFQ69G5FAV, which does not exist",
                 *       "details": [
                 *         {
                 *           "path": "/body/events/3/contact",
                 *           "message": "no contact has this _id"
                 *         }
                 *       ],
                 *       "event_index": 3,
                 *       "request_id": "req_01HZY5V3GQ8M7N2K4P6R9S1T3W"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description The request body is not JSON in UTF-8 (`application/json`, or for an update also
         *     `application/merge-patch+json`), or is compressed (`Content-Encoding`).
         */
        UnsupportedMediaType: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description The filters would make the server examine more than 5,000 of the workspace's contacts
         *     to fill this page (`query_too_broad`): each filter alone matches many contacts but
         *     together they match few, or a 2-character `search` finds too few matches among the
         *     contacts it reads. Every request's cost is bounded this way, so that no query can stall
         *     the server. Use a longer `search` term (3+ characters use an index) or a rarer tag.
         */
        QueryTooBroad: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description This API key made more requests than its rate limit allows (a token bucket per key, policy
         *     `per-key`), or this client address sent too many requests with a missing or invalid key
         *     (a token bucket per address, policy `failed-auth`; see `RateLimit-Policy`). Retry after
         *     `Retry-After` seconds.
         */
        TooManyRequests: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                /** @description Seconds to wait before retrying. */
                "Retry-After": string;
                /** @description The quota of the key (`per-key`) or of the client address (`failed-auth`), IETF draft: `q` requests per `w` seconds window. */
                "RateLimit-Policy": string;
                /** @description What is left (IETF draft): `r` requests remaining, full again in `t` seconds. */
                RateLimit: string;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "Rate limit exceeded; retry in 1 s",
                 *       "code": "rate_limited",
                 *       "message": "Rate limit exceeded; retry in 1 s",
                 *       "request_id": "req_01HZY5V3GQ8M7N2K4P6R9S1T3W"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description An unexpected error; it was logged with this request id. */
        InternalServerError: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description The database is unavailable or did not answer in time, so the request was not carried
         *     out: on PostgreSQL it is unreachable, every pooled connection stayed busy past
         *     `PG_CONNECT_TIMEOUT_MS`, a statement ran past `PG_STATEMENT_TIMEOUT_MS`, or a deadlock or
         *     serialization failure rolled the transaction back; on SQLite another process (an admin
         *     command) held the database's write lock past its 5 s busy timeout. Retry after
         *     `Retry-After` seconds (a statement that ran too long may run too long again). Only when
         *     the connection broke while a write committed can the write have happened: retry a create
         *     with the same `Idempotency-Key`.
         */
        ServiceUnavailable: {
            headers: {
                "Request-Id": components["headers"]["Request-Id"];
                /** @description Seconds to wait before retrying. */
                "Retry-After": string;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "error": "The database is unavailable or did not answer in time; retry in 2 s",
                 *       "code": "service_unavailable",
                 *       "message": "The database is unavailable or did not answer in time; retry in 2 s",
                 *       "request_id": "req_01HZY5V3GQ8M7N2K4P6R9S1T3W"
                 *     }
                 */
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: {
        /**
         * @description A value you make fresh for each logical request, and send again only to retry that same
         *     request: a new UUID is a good choice (`uuidgen` in a shell, `crypto.randomUUID()` in
         *     JavaScript). Never reuse a value copied from documentation: keys are scoped to the
         *     workspace, so everyone sharing a key shares its stored response. Kept for 24 hours after
         *     the first request completes. The same key with the same request replays the first
         *     response; with a different request it is `422` (`idempotency_key_reused`); while the
         *     first request is still running it is `409` (`idempotency_key_in_use`). Requests refused
         *     by authentication or validation, and server errors, are not remembered.
         */
        IdempotencyKey: string;
        /**
         * @description Apply only if one of these (comma-separated) is an `ETag` of the contact's current
         *     version (with or without a metrics digest), or `*`.
         * @example "01ARZ3NDEKTSV4RRFFQ69G5FAV.1"
         */
        IfMatch: string;
        /**
         * @description Answer `304` if the current `ETag` (the contact's version and, when the body carries
         *     them, its metrics) is one of these (comma-separated), or `*`.
         * @example "01ARZ3NDEKTSV4RRFFQ69G5FAV.1"
         */
        IfNoneMatch: string;
        /**
         * @description With `true`, each identity carries `metrics` (its usage over the last 30 days); without
         *     it, `metrics` is omitted.
         */
        IncludeMetrics: boolean;
        /** @description Accepted for compatibility with orq.ai's SDK. Budgets do not exist here yet, so `budget` is always absent. */
        IncludeBudget: boolean;
        /**
         * @description The contact's `_id` or its `external_id` (compared in Unicode NFC, as stored).
         * @example contact_01ARZ3NDEKTSV4RRFFQ69G5FAV
         */
        ContactRef: string;
    };
    requestBodies: never;
    headers: {
        /** @description Unique id of this request; quote it when reporting a problem. */
        "Request-Id": string;
        /**
         * @description Strong entity tag of the representation: the contact's id and version, followed, when
         *     the body carries non-zero `metrics`, by a digest of them (`"<id>.<version>.<digest>"`).
         *     It changes on every write and whenever the metrics in the body change. Send it back in
         *     `If-None-Match` (`304` only if neither the contact nor its metrics changed) or in
         *     `If-Match` (which compares the id and version only: a write is conditional on the
         *     contact, not on its usage).
         */
        ETag: string;
        /**
         * @description `no-store`, on every response: contacts are personal data, and no HTTP cache (a browser's
         *     disk cache, a proxy) should keep a copy. Conditional requests do not need one: a client
         *     that keeps a contact itself sends its `ETag` in `If-None-Match` and gets `304`.
         */
        "Cache-Control": "no-store";
        /** @description `true` when this response is the stored response of an earlier request with the same `Idempotency-Key`. */
        "Idempotent-Replayed": "true";
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listContacts: {
        parameters: {
            query?: {
                /** @description Page size. */
                limit?: number;
                /** @description Return the contacts just older than this contact `_id` (next page). */
                starting_after?: components["schemas"]["ContactId"];
                /** @description Return the contacts just newer than this contact `_id` (previous page). Not with `starting_after`. */
                ending_before?: components["schemas"]["ContactId"];
                /**
                 * @description Case-insensitive substring of `external_id`, `display_name` or `email`, at least 2
                 *     characters (as orq.ai). Terms of 3 or more characters use the workspace's own trigram
                 *     index, whatever the workspace holds. A 2-character term is matched by reading the
                 *     workspace's contacts from the cursor; see `422 query_too_broad`. The term is
                 *     taken in Unicode NFC, like the fields it is matched against, so `é` finds `é` however
                 *     either was spelled (U+00E9, or `e` + U+0301). Case-insensitive means both sides are
                 *     lower-cased with Unicode's default, character-by-character mapping (JavaScript's
                 *     `toLowerCase`), which is not full case folding: `ß` does not match `ss`, and `İ`
                 *     lower-cases to `i` + U+0307.
                 */
                search?: string;
                /**
                 * @description Only contacts having **all** of these tags. Accepts a comma-separated value
                 *     (`tags=premium,beta-user`) or the repeated form (`tags=premium&tags=beta-user`).
                 *     Tags are compared in Unicode NFC, as they are stored.
                 */
                tags?: components["schemas"]["Tag"][];
                /**
                 * @description Accepted for compatibility. Every contact always carries `metrics`; they are `0` until
                 *     usage is recorded for the contact.
                 */
                include_metrics?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of contacts. */
            200: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ContactList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            422: components["responses"]["QueryTooBroad"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createContact: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A value you make fresh for each logical request, and send again only to retry that same
                 *     request: a new UUID is a good choice (`uuidgen` in a shell, `crypto.randomUUID()` in
                 *     JavaScript). Never reuse a value copied from documentation: keys are scoped to the
                 *     workspace, so everyone sharing a key shares its stored response. Kept for 24 hours after
                 *     the first request completes. The same key with the same request replays the first
                 *     response; with a different request it is `422` (`idempotency_key_reused`); while the
                 *     first request is still running it is `409` (`idempotency_key_in_use`). Requests refused
                 *     by authentication or validation, and server errors, are not remembered.
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "external_id": "user_12345",
                 *       "display_name": "Jane Smith",
                 *       "email": "jane.smith@example.com",
                 *       "avatar_url": "https://example.com/avatars/jane-smith.jpg",
                 *       "tags": [
                 *         "premium",
                 *         "beta-user",
                 *         "enterprise"
                 *       ],
                 *       "metadata": {
                 *         "department": "Engineering",
                 *         "role": "Senior Developer",
                 *         "subscription_tier": "premium",
                 *         "last_login": "2024-01-15T10:30:00Z"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["CreateContactRequest"];
            };
        };
        responses: {
            /** @description Created Contact */
            201: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    /** @description Path of the new contact. */
                    Location: string;
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Contact"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["IdempotencyKeyReused"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    importContacts: {
        parameters: {
            query?: {
                /** @description What to do with a line whose `external_id` the workspace already has. */
                mode?: "create" | "upsert";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {"external_id":"user_1","display_name":"Jane Smith","tags":["premium"]}
                 *     {"external_id":"user_2","email":"john@example.com"}
                 */
                "application/x-ndjson": string;
            };
        };
        responses: {
            /** @description The body was read to its end and every batch applied. */
            200: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImportResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["ImportPayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    exportContacts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The workspace's contacts, one per line. */
            200: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/x-ndjson": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    retrieveContact: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Answer `304` if the current `ETag` (the contact's version and, when the body carries
                 *     them, its metrics) is one of these (comma-separated), or `*`.
                 * @example "01ARZ3NDEKTSV4RRFFQ69G5FAV.1"
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                /**
                 * @description The contact's `_id` or its `external_id` (compared in Unicode NFC, as stored).
                 * @example contact_01ARZ3NDEKTSV4RRFFQ69G5FAV
                 */
                id: components["parameters"]["ContactRef"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The contact. */
            200: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["Cache-Control"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Contact"];
                };
            };
            /** @description The contact still has the `ETag` given in `If-None-Match`; no body. */
            304: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["Cache-Control"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    deleteContact: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Apply only if one of these (comma-separated) is an `ETag` of the contact's current
                 *     version (with or without a metrics digest), or `*`.
                 * @example "01ARZ3NDEKTSV4RRFFQ69G5FAV.1"
                 */
                "If-Match"?: components["parameters"]["IfMatch"];
            };
            path: {
                /**
                 * @description The contact's `_id` or its `external_id` (compared in Unicode NFC, as stored).
                 * @example contact_01ARZ3NDEKTSV4RRFFQ69G5FAV
                 */
                id: components["parameters"]["ContactRef"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted; no body. */
            204: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            412: components["responses"]["PreconditionFailed"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    updateContact: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Apply only if one of these (comma-separated) is an `ETag` of the contact's current
                 *     version (with or without a metrics digest), or `*`.
                 * @example "01ARZ3NDEKTSV4RRFFQ69G5FAV.1"
                 */
                "If-Match"?: components["parameters"]["IfMatch"];
            };
            path: {
                /**
                 * @description The contact's `_id` or its `external_id` (compared in Unicode NFC, as stored).
                 * @example contact_01ARZ3NDEKTSV4RRFFQ69G5FAV
                 */
                id: components["parameters"]["ContactRef"];
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "display_name": "Jane Doe",
                 *       "tags": [
                 *         "premium"
                 *       ],
                 *       "metadata": {
                 *         "role": "Staff Engineer",
                 *         "last_login": null
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["UpdateContactRequest"];
                /**
                 * @example {
                 *       "display_name": "Jane Doe",
                 *       "tags": [
                 *         "premium"
                 *       ],
                 *       "metadata": {
                 *         "role": "Staff Engineer",
                 *         "last_login": null
                 *       }
                 *     }
                 */
                "application/merge-patch+json": components["schemas"]["UpdateContactRequest"];
            };
        };
        responses: {
            /** @description The updated contact. */
            200: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Contact"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    retrieveContactUsage: {
        parameters: {
            query?: {
                /** @description Start of the period (RFC 3339), inclusive. Default 30 days before `to`. */
                from?: string;
                /** @description End of the period (RFC 3339), exclusive. Default the end of the current bucket. */
                to?: string;
                /** @description Bucket size. */
                granularity?: "hour" | "day";
            };
            header?: never;
            path: {
                /**
                 * @description The contact's `_id` or its `external_id` (compared in Unicode NFC, as stored).
                 * @example contact_01ARZ3NDEKTSV4RRFFQ69G5FAV
                 */
                id: components["parameters"]["ContactRef"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The contact's usage, one entry per bucket. */
            200: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UsageSeries"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    recordUsage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "events": [
                 *         {
                 *           "id": "evt_01J9ZQ3K8M",
                 *           "contact": "user_12345",
                 *           "timestamp": "2024-01-15T10:30:00Z",
                 *           "cost": 0.00042,
                 *           "tokens": 1250,
                 *           "model": "gpt-4o-mini",
                 *           "input_tokens": 1000,
                 *           "output_tokens": 250,
                 *           "latency_ms": 830
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["RecordUsageRequest"];
            };
        };
        responses: {
            /** @description The batch is stored (or was already). */
            200: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RecordUsageResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["UsagePayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnknownContact"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listTopContacts: {
        parameters: {
            query?: {
                /** @description The total to rank by; `errors` is the number of failed requests. */
                by?: "cost" | "tokens" | "requests" | "errors";
                /** @description First UTC day of the period. Default 29 days before today. */
                from?: string;
                /** @description UTC day after the period (exclusive). Default tomorrow. */
                to?: string;
                /** @description How many contacts. */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The top contacts, largest first. */
            200: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TopContactList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listIdentities: {
        parameters: {
            query?: {
                /** @description Page size. */
                limit?: number;
                /** @description Return the identities just after this identity `_id` in the list's order (next page). */
                starting_after?: components["schemas"]["ContactId"];
                /** @description Return the identities just before this identity `_id` in the list's order (previous page). Not with `starting_after`. */
                ending_before?: components["schemas"]["ContactId"];
                /** @description Case-insensitive substring of `external_id`, `display_name` or `email`. */
                search?: string;
                /**
                 * @description Only identities having **at least one** of these tags (unlike `tags` on contacts,
                 *     which must all match). Repeated form: `filter_by.tags=a&filter_by.tags=b`.
                 */
                "filter_by.tags"?: components["schemas"]["Tag"][];
                /**
                 * @description With `true`, each identity carries `metrics` (its usage over the last 30 days); without
                 *     it, `metrics` is omitted.
                 */
                include_metrics?: components["parameters"]["IncludeMetrics"];
                /** @description Accepted for compatibility with orq.ai's SDK. Budgets do not exist here yet, so `budget` is always absent. */
                include_budget?: components["parameters"]["IncludeBudget"];
                /** @description The list's order (see above). */
                sort_by?: components["schemas"]["IdentitySortField"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of identities. */
            200: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IdentityList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            422: components["responses"]["QueryTooBroad"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createIdentity: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A value you make fresh for each logical request, and send again only to retry that same
                 *     request: a new UUID is a good choice (`uuidgen` in a shell, `crypto.randomUUID()` in
                 *     JavaScript). Never reuse a value copied from documentation: keys are scoped to the
                 *     workspace, so everyone sharing a key shares its stored response. Kept for 24 hours after
                 *     the first request completes. The same key with the same request replays the first
                 *     response; with a different request it is `422` (`idempotency_key_reused`); while the
                 *     first request is still running it is `409` (`idempotency_key_in_use`). Requests refused
                 *     by authentication or validation, and server errors, are not remembered.
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateContactRequest"];
            };
        };
        responses: {
            /** @description Created identity. */
            201: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    /** @description Path of the new identity. */
                    Location: string;
                    ETag: components["headers"]["ETag"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IdentityResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["IdempotencyKeyReused"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    retrieveIdentity: {
        parameters: {
            query?: {
                /**
                 * @description With `true`, each identity carries `metrics` (its usage over the last 30 days); without
                 *     it, `metrics` is omitted.
                 */
                include_metrics?: components["parameters"]["IncludeMetrics"];
                /** @description Accepted for compatibility with orq.ai's SDK. Budgets do not exist here yet, so `budget` is always absent. */
                include_budget?: components["parameters"]["IncludeBudget"];
            };
            header?: {
                /**
                 * @description Answer `304` if the current `ETag` (the contact's version and, when the body carries
                 *     them, its metrics) is one of these (comma-separated), or `*`.
                 * @example "01ARZ3NDEKTSV4RRFFQ69G5FAV.1"
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                /**
                 * @description The contact's `_id` or its `external_id` (compared in Unicode NFC, as stored).
                 * @example contact_01ARZ3NDEKTSV4RRFFQ69G5FAV
                 */
                id: components["parameters"]["ContactRef"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The identity. */
            200: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["Cache-Control"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IdentityResponse"];
                };
            };
            /** @description The identity still has the `ETag` given in `If-None-Match`; no body. */
            304: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["Cache-Control"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    deleteIdentity: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Apply only if one of these (comma-separated) is an `ETag` of the contact's current
                 *     version (with or without a metrics digest), or `*`.
                 * @example "01ARZ3NDEKTSV4RRFFQ69G5FAV.1"
                 */
                "If-Match"?: components["parameters"]["IfMatch"];
            };
            path: {
                /**
                 * @description The contact's `_id` or its `external_id` (compared in Unicode NFC, as stored).
                 * @example contact_01ARZ3NDEKTSV4RRFFQ69G5FAV
                 */
                id: components["parameters"]["ContactRef"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted; an empty object. */
            200: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeletedIdentity"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            412: components["responses"]["PreconditionFailed"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    updateIdentity: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description Apply only if one of these (comma-separated) is an `ETag` of the contact's current
                 *     version (with or without a metrics digest), or `*`.
                 * @example "01ARZ3NDEKTSV4RRFFQ69G5FAV.1"
                 */
                "If-Match"?: components["parameters"]["IfMatch"];
            };
            path: {
                /**
                 * @description The contact's `_id` or its `external_id` (compared in Unicode NFC, as stored).
                 * @example contact_01ARZ3NDEKTSV4RRFFQ69G5FAV
                 */
                id: components["parameters"]["ContactRef"];
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["UpdateContactRequest"];
            };
        };
        responses: {
            /** @description The updated identity. */
            200: {
                headers: {
                    "Request-Id": components["headers"]["Request-Id"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IdentityResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
}
