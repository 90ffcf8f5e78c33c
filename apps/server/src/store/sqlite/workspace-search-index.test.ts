import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdGenerator } from "../../ids.js";
import { openSqliteStores, type SqliteStores } from "../../server-store.js";
import { searchTableOf } from "./workspace-search-index.js";

const ATTACKER = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const VICTIM = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
/** What the attacker probes for, and a term nobody holds to compare it with. */
const TARGET = "targetcorp.com";
const CONTROL = "qqzzxxyyww.net";

let stores: SqliteStores;
const ids = createIdGenerator();
let now = Date.UTC(2026, 0, 1);

async function addContacts(workspaceId: string, count: number, email: (i: number) => string) {
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      stores.contacts.create(workspaceId, {
        id: ids.contactId(now++),
        externalId: `${workspaceId.slice(0, 4)}-${now}`,
        displayName: `Person ${i}`,
        email: email(i),
        avatarUrl: null,
        tags: [],
        metadata: {},
        createdAt: now,
      }),
    ),
  );
}

/**
 * Median of (time of a TARGET search − time of a CONTROL search) over paired, alternating probes
 * by the attacker, in microseconds. Pairing cancels the machine's drift.
 */
async function medianGapMicros(probes: number): Promise<number> {
  const time = async (term: string) => {
    const t0 = process.hrtime.bigint();
    const page = await stores.contacts.list(ATTACKER, { limit: 10, search: term });
    expect(page.contacts).toEqual([]); // the attacker never sees a row of the victim's
    return Number(process.hrtime.bigint() - t0) / 1000;
  };
  const gaps: number[] = [];
  for (let i = 0; i < probes; i++) {
    const [first, second] = i % 2 === 0 ? [TARGET, CONTROL] : [CONTROL, TARGET];
    const a = await time(first);
    const b = await time(second);
    gaps.push(first === TARGET ? a - b : b - a);
  }
  gaps.sort((x, y) => x - y);
  return gaps[Math.floor(gaps.length / 2)] as number;
}

beforeAll(async () => {
  stores = openSqliteStores(":memory:");
  const insert = stores.database.prepare(
    "INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, 0)",
  );
  for (const id of [ATTACKER, VICTIM]) insert.run(id, id);
  // More contacts than a newest-first window would cover, so a search must use an index.
  await addContacts(ATTACKER, 2500, (i) => `person${i}@attacker.example`);
});
afterAll(() => stores.close());

describe("a workspace's search index", () => {
  it("holds only that workspace's contacts", async () => {
    await addContacts(VICTIM, 3, (i) => `v${i}@${TARGET}`);
    const count = (workspaceId: string) =>
      (
        stores.database
          .prepare(`SELECT count(*) AS n FROM ${searchTableOf(workspaceId)}`)
          .get() as { n: number }
      ).n;
    expect(count(VICTIM)).toBe(3);
    expect(count(ATTACKER)).toBe(2500);
  });

  it("takes no longer to search for a term another workspace holds many times", async () => {
    const before = await medianGapMicros(300);
    // The victim now holds the term thousands of times; a shared index made every probe for it
    // walk those postings (about 1 ms more here), which told the attacker the term exists.
    await addContacts(VICTIM, 5000, (i) => `user${i}@${TARGET}`);
    const after = await medianGapMicros(300);
    expect(Math.abs(after - before)).toBeLessThan(60);
  });

  it("refuses a name that is not a workspace UUID (names are spliced into SQL)", () => {
    expect(() => searchTableOf("x'; DROP TABLE contacts; --")).toThrow(/not a workspace UUID/);
    expect(searchTableOf(VICTIM)).toBe("contacts_search_bbbbbbbbbbbb4bbb8bbbbbbbbbbbbbbb");
  });
});
