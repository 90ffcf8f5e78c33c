/**
 * POST /v2/contacts/import and GET /v2/contacts/export: the bulk path over HTTP, on the same
 * import runner and export walk as the admin CLI. Lines are read from the request as they arrive
 * and applied in batches; the export is written as it is read.
 */
import type { ImportLineError } from "@contacts/api-types";
import { exportContacts, importLineOf, jsonLineOf } from "../bulk/contact-export.js";
import type { ImportLineChecker } from "../bulk/import-line-checker.js";
import { runImport } from "../bulk/import-runner.js";
import { jsonLines } from "../bulk/json-lines.js";
import type { ContactImporter } from "../contacts/contact-import.js";
import type { ContactStore } from "../contacts/contact-store.js";
import { ApiError } from "./api-error.js";
import { bodyChunks } from "./ndjson-body.js";
import type { Handlers } from "./operations.js";
import type { RateLimiter } from "./rate-limit.js";

/** Rejected lines an import answer describes; `rejected` counts all of them. */
export const IMPORT_ERRORS_CAP = 1000;
/** Lines that cost one request of the key's rate limit. */
export const IMPORT_LINES_PER_REQUEST = 100;
/**
 * Lines per transaction. A batch holds the database (and the event loop) while it is written:
 * smaller than the CLI's, so that other requests wait tens of milliseconds, not hundreds.
 */
export const HTTP_IMPORT_BATCH = 250;

export interface BulkAdapterDeps {
  importer: ContactImporter;
  checker: ImportLineChecker;
  store: Pick<ContactStore, "list">;
  rateLimiter: Pick<RateLimiter, "charge">;
  bodyLimitBytes: number;
}

export function bulkAdapter(deps: BulkAdapterDeps) {
  return {
    async importContacts({ query, principal, request }) {
      const errors: ImportLineError[] = [];
      const counts = await runImport(jsonLines(bodyChunks(request, deps.bodyLimitBytes)), {
        importer: deps.importer,
        checker: deps.checker,
        workspaceId: principal.workspaceId,
        mode: query.mode ?? "create",
        batchSize: HTTP_IMPORT_BATCH,
        onRejected: (rejection) => {
          if (errors.length < IMPORT_ERRORS_CAP) errors.push(rejection);
        },
        beforeBatch: (rows, committedBefore) =>
          chargeLines(deps.rateLimiter, principal.keyId, rows, committedBefore),
      });
      const { created, updated, unchanged, skipped, rejected } = counts;
      return {
        status: 200 as const,
        body: { created, updated, unchanged, skipped, rejected, errors },
      };
    },

    async exportContacts({ principal }) {
      return { status: 200 as const, ndjson: exportLines(deps.store, principal.workspaceId) };
    },
  } satisfies Pick<Handlers, "importContacts" | "exportContacts">;
}

async function* exportLines(store: Pick<ContactStore, "list">, workspaceId: string) {
  for await (const contact of exportContacts(store, workspaceId)) {
    yield jsonLineOf(importLineOf(contact));
  }
}

/**
 * Charges a batch's lines to the key. Before anything was written, a budget that cannot cover
 * them is a 429 (the client retries the whole body); after, the import waits for the refill, so
 * an answer never hides a half-applied body.
 */
async function chargeLines(
  limiter: Pick<RateLimiter, "charge">,
  keyId: string,
  rows: number,
  committedBefore: boolean,
): Promise<void> {
  const cost = rows / IMPORT_LINES_PER_REQUEST;
  for (;;) {
    const take = await limiter.charge(keyId, cost);
    if (take.allowed) return;
    if (!committedBefore) {
      throw new ApiError(
        429,
        "rate_limited",
        `Rate limit exceeded; retry in ${take.retryAfter} s`,
        {
          headers: { "Retry-After": String(take.retryAfter) },
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, take.retryAfter * 1000));
  }
}
