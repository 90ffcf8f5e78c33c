// The HTTP adapter of the usage domain: the three usage operations, wire ⇄ domain.
import type { UsageBucket } from "@contacts/api-types";
import type { UsageTotals } from "../usage/usage.js";
import { toMetrics } from "../usage/usage-rules.js";
import type { UsageService } from "../usage/usage-service.js";
import { toContactResource } from "./contacts-adapter.js";
import type { Handlers } from "./operations.js";

type UsageOperations = "recordUsage" | "retrieveContactUsage" | "listTopContacts";

/** recordUsage, retrieveContactUsage and listTopContacts, typed from openapi.yaml. */
export function usageHandlers(usage: UsageService) {
  return {
    async recordUsage({ body, principal }) {
      const outcome = await usage.record(principal.workspaceId, body.events);
      return {
        status: 200,
        body: {
          accepted: outcome.accepted,
          duplicates: outcome.duplicates,
          contacts_created: outcome.contactsCreated,
        },
      };
    },

    async retrieveContactUsage({ path, query, principal }) {
      const buckets = await usage.series(principal.workspaceId, path.id, {
        from: query.from,
        to: query.to,
        granularity: query.granularity ?? "day",
      });
      return {
        status: 200,
        body: {
          object: "list",
          data: buckets.map(
            ({ start, totals }): UsageBucket => ({
              start: new Date(start).toISOString(),
              ...totalsResource(totals),
            }),
          ),
        },
      };
    },

    async listTopContacts({ query, principal }) {
      const top = await usage.top(principal.workspaceId, {
        by: query.by ?? "cost",
        from: query.from,
        to: query.to,
        limit: query.limit ?? 10,
      });
      return {
        status: 200,
        body: {
          object: "list",
          data: top.map(({ contact, totals, metrics }) => ({
            contact: toContactResource(contact, metrics),
            ...totalsResource(totals),
          })),
        },
      };
    },
  } satisfies Pick<Handlers, UsageOperations>;
}

function totalsResource(totals: UsageTotals) {
  return toMetrics(totals);
}
