// The benched requests. Both systems get the same request sequence in a round (the random
// choices are seeded by scenario and round), and creates go to a workspace of their own so the
// reads, whose cost grows with the workspace's size (search scans), see the same data set
// however fast each system created contacts.
import { COMMON_TERM, RARE_TERM } from "./dataset.js";
import type { LoadRequest } from "./load.js";

export interface ScenarioData {
  /** Contact ids and external ids of the read workspace, oldest first. */
  ids: readonly string[];
  externalIds: readonly string[];
}

export interface Scenario {
  name: string;
  /**
   * `write` scenarios use the key of the workspace that receives the creates; `usage` the key of
   * the workspace whose contacts have usage recorded.
   */
  key: "read" | "write" | "usage";
  /** Every request must be new (a create, a real change); reads can be replayed. */
  dynamic?: boolean;
  /** A request generator for one run; `label` makes created external ids unique per run. */
  requests(label: string): () => LoadRequest;
}

const LIST = "/v2/contacts?limit=10&include_metrics=false";
/** orq.ai's identity list in display-name order, as its SDK 4.x sends it. */
export const IDENTITIES_BY_NAME =
  "/v2/identities?limit=10&include_metrics=false&sort_by=IDENTITY_SORT_FIELD_DISPLAY_NAME";

/** The ten scenarios of `npm run bench`, in the order they run. */
export function benchScenarios(data: ScenarioData): Scenario[] {
  const { ids, externalIds } = data;
  // Cursors from the oldest 10%: pages about 90% deep into the newest-first order.
  const deep = ids.slice(0, Math.max(1, Math.floor(ids.length / 10)));
  const pick = (list: readonly string[], random: () => number) =>
    list[Math.floor(random() * list.length)] as string;
  const get = (path: string): LoadRequest => ({ method: "GET", path });
  return [
    {
      name: "create",
      key: "write",
      dynamic: true,
      requests: (label) => {
        let n = 0;
        return () => {
          n++;
          return {
            method: "POST",
            path: "/v2/contacts",
            body: createBody(`load-${label}-${n}`, n),
          };
        };
      },
    },
    {
      name: "retrieve by _id",
      key: "read",
      requests: (label) => {
        const random = seeded(`id ${label}`);
        return () => get(`/v2/contacts/${pick(ids, random)}`);
      },
    },
    {
      name: "retrieve by external_id",
      key: "read",
      requests: (label) => {
        const random = seeded(`ext ${label}`);
        return () => get(`/v2/contacts/${encodeURIComponent(pick(externalIds, random))}`);
      },
    },
    { name: "list: first page", key: "read", requests: () => () => get(LIST) },
    {
      // Every contact of this workspace has usage: the page's metrics are real sums (the
      // baseline, which knows no usage, answers zeros: the ratio is what metrics cost).
      name: "list page with metrics",
      key: "usage",
      requests: () => () => get("/v2/contacts?limit=50&include_metrics=true"),
    },
    {
      name: "list: deep page (cursor)",
      key: "read",
      requests: (label) => {
        const random = seeded(`deep ${label}`);
        return () => get(`${LIST}&starting_after=${pick(deep, random)}`);
      },
    },
    {
      name: "update (PATCH)",
      key: "read",
      dynamic: true,
      requests: (label) => {
        const random = seeded(`patch ${label}`);
        let n = 0;
        return () => {
          n++;
          return {
            method: "PATCH",
            path: `/v2/contacts/${pick(ids, random)}`,
            body: JSON.stringify({
              display_name: `Jane Doe ${label} ${n}`,
              metadata: { role: "Staff Engineer", last_seen: n },
            }),
          };
        };
      },
    },
    { name: "search: rare term", key: "read", requests: () => () => get(searchPath(RARE_TERM)) },
    {
      name: "search: common term",
      key: "read",
      requests: () => () => get(searchPath(COMMON_TERM)),
    },
    {
      name: "retrieve identity",
      key: "read",
      requests: (label) => {
        const random = seeded(`identity ${label}`);
        return () => get(`/v2/identities/${pick(ids, random)}`);
      },
    },
    {
      // Pages from anywhere in the order: the cursor's display name is looked up, then a keyset
      // range on (display_name, id).
      name: "list identities sorted by display name",
      key: "read",
      requests: (label) => {
        const random = seeded(`by name ${label}`);
        return () => get(`${IDENTITIES_BY_NAME}&starting_after=${pick(ids, random)}`);
      },
    },
  ];
}

export function searchPath(term: string): string {
  return `${LIST}&search=${encodeURIComponent(term)}`;
}

/** The seed page's example contact, with a unique external id. */
export function createBody(externalId: string, n: number): string {
  return JSON.stringify({
    external_id: externalId,
    display_name: "Jane Smith",
    email: `jane.smith+${n}@example.com`,
    avatar_url: "https://example.com/avatars/jane-smith.jpg",
    tags: ["premium", "beta-user", "enterprise"],
    metadata: {
      department: "Engineering",
      role: "Senior Developer",
      subscription_tier: "premium",
      last_login: "2024-01-15T10:30:00Z",
    },
  });
}

/** A small seeded PRNG (mulberry32): the same label gives the same sequence on both systems. */
export function seeded(label: string): () => number {
  let state = 2166136261;
  for (let i = 0; i < label.length; i++) state = Math.imul(state ^ label.charCodeAt(i), 16777619);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
