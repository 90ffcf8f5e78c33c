import type { ContactRecord } from "../contacts/contact.js";
import type { Granularity, RecordOutcome, TopBy, UsageEventRecord, UsageTotals } from "./usage.js";

/** Makes the contact an unknown external_id stands for; its id must sort after `newestId`. */
export type NewContactFactory = (externalId: string, newestId: string | undefined) => ContactRecord;

/** One row of a top list: the contact and its totals over the period. */
export interface TopEntry {
  contact: ContactRecord;
  totals: UsageTotals;
}

/**
 * Storage of usage, owned by the domain; every call is scoped to one workspace. Hours and days
 * are UTC bucket numbers: `floor(ms / 3 600 000)` and `floor(ms / 86 400 000)`.
 */
export interface UsageStore {
  /**
   * Stores a batch in one transaction: events whose id the workspace already has (or that repeat
   * an earlier id of the batch) are skipped as duplicates, the others counted into the contact's
   * hourly and daily totals. Throws UnknownContactError, with nothing stored, when an event names
   * a contact `_id` the workspace does not have; an unknown external_id gets `newContact`.
   */
  record(
    workspaceId: string,
    events: readonly UsageEventRecord[],
    newContact: NewContactFactory,
  ): Promise<RecordOutcome>;
  /**
   * Totals of each listed contact over the hours from `fromHour` on, read from the hourly and
   * daily totals (never from events). Contacts without usage are absent from the map.
   */
  totalsSince(
    workspaceId: string,
    contactIds: readonly string[],
    fromHour: number,
  ): Promise<Map<string, UsageTotals>>;
  /** A contact's totals per bucket in `[from, to)` (bucket numbers); empty buckets absent. */
  series(
    workspaceId: string,
    contactId: string,
    granularity: Granularity,
    from: number,
    to: number,
  ): Promise<Map<number, UsageTotals>>;
  /**
   * The `limit` contacts with the largest non-zero total `by` over the days `[fromDay, toDay)`.
   * The workspace's window (see rollWindow), when the days are exactly it, is an index walk.
   */
  top(
    workspaceId: string,
    by: TopBy,
    fromDay: number,
    toDay: number,
    limit: number,
  ): Promise<TopEntry[]>;
  /**
   * Moves the workspace's top-list window to the days `[firstDay, firstDay + TOP_WINDOW_DAYS)`:
   * per-contact totals of those days, kept exact from then on by record, prune and deletes.
   * Moving forward subtracts the days left behind and adds the days reached; a jump of a whole
   * window or more (or backwards, or a first window) builds it from the daily totals.
   */
  rollWindow(workspaceId: string, firstDay: number): Promise<void>;
  /** rollWindow for every workspace (each in its own transaction); resolves to those moved. */
  rollWindows(firstDay: number): Promise<number>;
  /**
   * Deletes up to about `batch` (contact, day) groups of events from days before `beforeDay`,
   * with their totals; resolves to the number of groups deleted (less than `batch`: done).
   */
  prune(beforeDay: number, batch: number): Promise<number>;
}
