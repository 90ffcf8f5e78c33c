// Fixtures shared by the usage stores' tests (SQLite and PostgreSQL): two workspaces, a fixed
// day, a factory of contacts created by ingest, and generated events with many ties.
import fc from "fast-check";
import { createIdGenerator, idTime } from "../../src/ids.js";
import type { TopBy, UsageEventRecord } from "../../src/usage/usage.js";
import { DAY_MS } from "../../src/usage/usage-rules.js";
import type { NewContactFactory, UsageStore } from "../../src/usage/usage-store.js";

export const A = "11111111-1111-4111-8111-111111111111";
export const B = "22222222-2222-4222-8222-222222222222";
/** The tests' today, as a day number. */
export const TODAY = Math.floor(Date.parse("2026-03-10T12:00:00Z") / DAY_MS);
export const RANKINGS: TopBy[] = ["cost", "tokens", "requests", "errors"];
/** The totals field each ranking orders by. */
export const TOTAL_FIELD = {
  cost: "costMicros",
  tokens: "tokens",
  requests: "requests",
  errors: "errors",
} as const;

const ids = createIdGenerator();

/** Contacts created for new external ids, each one id after the workspace's newest. */
export const newContact =
  (workspaceId: string): NewContactFactory =>
  (externalId, newestId) => {
    const at = newestId === undefined ? 1 : idTime(newestId) + 1;
    return {
      id: ids.contactId(at),
      workspaceId,
      externalId,
      displayName: null,
      email: null,
      avatarUrl: null,
      tags: [],
      metadata: {},
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
  };

/** `n` events of `contacts` contacts over the 70 days before TODAY (small values: many ties). */
export function events(label: string, seed: number, n = 600, contacts = 12): UsageEventRecord[] {
  return fc
    .sample(
      fc.record({
        contact: fc.nat(contacts - 1),
        day: fc.integer({ min: TODAY - 70, max: TODAY }),
        cost: fc.nat(3),
        tokens: fc.nat(5),
        error: fc.boolean(),
      }),
      { numRuns: n, seed },
    )
    .map((e, i) => ({
      id: `${label}-${i}`,
      contactRef: `user_${e.contact}`,
      timestamp: e.day * DAY_MS + (i % 1000) * 60_000,
      costMicros: e.cost,
      tokens: e.tokens,
      error: e.error,
      model: null,
      inputTokens: null,
      outputTokens: null,
      latencyMs: null,
    }));
}

/**
 * The roll scenario both stores must pass: A's window rolled forward by days, by whole windows
 * and backwards, with ingest after each roll, checked by `expectExact` (the store's brute force)
 * after every step; B's usage stays beside it.
 */
export async function rollWithIngest(
  store: Pick<UsageStore, "record" | "rollWindow">,
  expectExact: (workspaceId: string, firstDay: number) => Promise<void>,
): Promise<void> {
  await store.record(A, events("a1", 1), newContact(A));
  await store.record(B, events("b1", 2), newContact(B));
  const firsts = [TODAY - 60, TODAY - 59, TODAY - 52, TODAY - 29, TODAY - 40, TODAY - 10];
  for (const [i, first] of firsts.entries()) {
    await store.rollWindow(A, first);
    await expectExact(A, first);
    // Ingest after the roll counts into the window (days in it) or waits for it (days after).
    await store.record(A, events(`a-more-${i}`, 10 + i), newContact(A));
    await expectExact(A, first);
  }
}
