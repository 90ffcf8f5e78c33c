/** The usage domain: record batches, derive metrics, series and top lists. Knows no HTTP. */
import type { UsageEvent } from "@contacts/api-types";
import type { ContactRecord } from "../contacts/contact.js";
import { ContactNotFoundError } from "../contacts/contact-errors.js";
import { normalizeContactRef } from "../contacts/contact-rules.js";
import type { ContactStore } from "../contacts/contact-store.js";
import { type IdGenerator, idTime } from "../ids.js";
import {
  type ContactMetrics,
  type Granularity,
  NO_TOTALS,
  type RecordOutcome,
  type TopBy,
  type UsageTotals,
} from "./usage.js";
import { UsageValidationError } from "./usage-errors.js";
import {
  bucketMs,
  checkBatch,
  metricsWindowStartHour,
  retentionStartDay,
  seriesBuckets,
  TOP_WINDOW_DAYS,
  toMetrics,
  topDays,
  topWindowFirstDay,
} from "./usage-rules.js";
import type { UsageStore } from "./usage-store.js";

export interface UsageServiceDeps {
  store: UsageStore;
  contacts: Pick<ContactStore, "find">;
  ids: IdGenerator;
  /** Milliseconds since the epoch; the metrics window and bucket defaults follow it. */
  now: () => number;
  /** Events of days older than this are pruned (USAGE_RETENTION_DAYS). */
  retentionDays: number;
}

export interface UsageService {
  record(workspaceId: string, events: readonly UsageEvent[]): Promise<RecordOutcome>;
  /**
   * The `metrics` of each contact (the last 30 days, by the hour), zeros for those without
   * usage: one store call for a whole page, read from hourly and daily totals.
   */
  metricsFor(
    workspaceId: string,
    contactIds: readonly string[],
  ): Promise<Map<string, ContactMetrics>>;
  series(
    workspaceId: string,
    ref: string,
    query: { from?: string | undefined; to?: string | undefined; granularity: Granularity },
  ): Promise<{ start: number; totals: UsageTotals }[]>;
  top(
    workspaceId: string,
    query: { by: TopBy; from?: string | undefined; to?: string | undefined; limit: number },
  ): Promise<{ contact: ContactRecord; totals: UsageTotals; metrics: ContactMetrics }[]>;
  /**
   * Moves every workspace's top window to today, then deletes the events (and totals) of days
   * past the retention period; resolves to groups deleted.
   */
  prune(batch?: number): Promise<number>;
}

export const ZERO_METRICS: Readonly<ContactMetrics> = Object.freeze(toMetrics(NO_TOTALS));

export function usageService({
  store,
  contacts,
  ids,
  now,
  retentionDays,
}: UsageServiceDeps): UsageService {
  const metricsFor = async (workspaceId: string, contactIds: readonly string[]) => {
    const metrics = new Map<string, ContactMetrics>();
    if (contactIds.length === 0) return metrics;
    const totals = await store.totalsSince(workspaceId, contactIds, metricsWindowStartHour(now()));
    for (const id of contactIds) {
      const found = totals.get(id);
      metrics.set(id, found ? toMetrics(found) : ZERO_METRICS);
    }
    return metrics;
  };

  return {
    async record(workspaceId, events) {
      const at = now();
      const { records, problems } = checkBatch(events, at, retentionDays);
      if (problems.length > 0) throw new UsageValidationError(problems);
      return store.record(workspaceId, records, (externalId, newestId) => ({
        // After the workspace's newest id: within a workspace ids follow insertion order.
        id: ids.contactId(newestId === undefined ? at : Math.max(at, idTime(newestId) + 1)),
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
      }));
    },

    metricsFor,

    async series(workspaceId, ref, { from, to, granularity }) {
      const range = seriesBuckets(now(), granularity, from, to);
      if (range.problems.length > 0) throw new UsageValidationError(range.problems);
      const contact = await contacts.find(workspaceId, normalizeContactRef(ref));
      if (!contact) throw new ContactNotFoundError(ref);
      const found = await store.series(workspaceId, contact.id, granularity, range.from, range.to);
      const size = bucketMs(granularity);
      const buckets: { start: number; totals: UsageTotals }[] = [];
      for (let bucket = range.from; bucket < range.to; bucket++) {
        buckets.push({ start: bucket * size, totals: found.get(bucket) ?? NO_TOTALS });
      }
      return buckets;
    },

    async top(workspaceId, { by, from, to, limit }) {
      const at = now();
      const days = topDays(at, from, to);
      if (days.problems.length > 0) throw new UsageValidationError(days.problems);
      // The current default period (however it was asked): the window, moved up to today first.
      const windowFirst = topWindowFirstDay(at);
      if (days.from === windowFirst && days.to - days.from === TOP_WINDOW_DAYS) {
        await store.rollWindow(workspaceId, windowFirst);
      }
      const rows = await store.top(workspaceId, by, days.from, days.to, limit);
      const metrics = await metricsFor(
        workspaceId,
        rows.map((row) => row.contact.id),
      );
      return rows.map((row) => ({ ...row, metrics: metrics.get(row.contact.id) ?? ZERO_METRICS }));
    },

    async prune(batch = 500) {
      // Every workspace's top window moved to today (the job runs hourly), so top lists rarely
      // wait for a roll.
      await store.rollWindows(topWindowFirstDay(now()));
      const beforeDay = retentionStartDay(now(), retentionDays);
      let deleted = 0;
      for (;;) {
        const n = await store.prune(beforeDay, batch);
        deleted += n;
        if (n < batch) return deleted;
        // Let requests in between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}
