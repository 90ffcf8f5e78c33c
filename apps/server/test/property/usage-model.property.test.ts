/**
 * Model-based test of usage (fast-check commands): random sequences of record (batches with
 * duplicate ids, new and existing contacts by external_id or _id, an unknown _id now and then,
 * timestamps on both sides of the 30-day edge) / delete a contact / move the clock, over TWO
 * workspaces sharing event ids and external_ids. After every step, every contact's `metrics`
 * (read through the list) and each workspace's top lists (the default period, which the store
 * keeps as a rolling window, by every ranking, and a period beside it) are checked against a
 * model that keeps the raw events and sums them in micro-USD: duplicates never count twice, a
 * refused batch leaves nothing, deletes take their usage, the windows follow the clock, nothing
 * crosses workspaces.
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DAY_MS, HOUR_MS, METRICS_WINDOW_HOURS, toMicros } from "../../src/usage/usage-rules.js";
import { startTestServer, type TestServer, type TestWorkspace } from "../support/test-server.js";
import { fcParameters, numRuns, TEST_TIMEOUT_MS } from "./property-budget.js";

const EVENT_IDS = Array.from({ length: 12 }, (_, i) => `evt_${i}`);
const EXTERNAL_IDS = ["user_1", "user_2", "Zoë", "a b"];
const GHOST_ID = "contact_01ARZ3NDEKTSV4RRFFQ69G5FAV";
const COSTS = [0, 0.1, 0.2, 0.000001, 1.5, 0.3333333, 12.345678];

interface ModelEvent {
  id: string;
  contactId: string;
  at: number;
  costMicros: number;
  tokens: number;
  error: boolean;
}
interface ModelWorkspace {
  ws: TestWorkspace;
  /** external_id → _id */
  contacts: Map<string, string>;
  events: Map<string, ModelEvent>;
}
interface Model {
  workspaces: ModelWorkspace[];
}
interface Real {
  clock: { now: number };
}

/** An event as generated: the contact is an external_id, a model contact's _id, or the ghost. */
interface GeneratedEvent {
  id: string;
  contact:
    | { kind: "external"; value: string }
    | { kind: "existing"; pick: number }
    | { kind: "ghost" };
  /** Minutes before the clock (negative: ahead, at most 5). */
  minutesAgo: number;
  cost: number;
  tokens: number;
  error: boolean;
}

const generatedEvent: fc.Arbitrary<GeneratedEvent> = fc.record({
  id: fc.constantFrom(...EVENT_IDS),
  contact: fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .constantFrom(...EXTERNAL_IDS)
        .map((value) => ({ kind: "external" as const, value })),
    },
    { weight: 3, arbitrary: fc.nat(10).map((pick) => ({ kind: "existing" as const, pick })) },
    { weight: 1, arbitrary: fc.constant({ kind: "ghost" as const }) },
  ),
  // Around the window's start (720 hours ago) as often as near now.
  minutesAgo: fc.oneof(
    fc.integer({ min: -5, max: 120 }),
    fc.integer({ min: (METRICS_WINDOW_HOURS - 2) * 60, max: (METRICS_WINDOW_HOURS + 2) * 60 }),
    fc.integer({ min: 0, max: 40 * 24 * 60 }),
    // The top window's first days, which the clock moving a day or two pushes out of it.
    fc.integer({ min: 27 * 24 * 60, max: 30 * 24 * 60 }),
  ),
  cost: fc.constantFrom(...COSTS),
  tokens: fc.nat(5000),
  error: fc.boolean(),
});

let server: TestServer;
const clock = { now: 0 };

beforeAll(async () => {
  server = await startTestServer({ now: () => clock.now });
});
afterAll(async () => {
  expect(server.specProblems()).toEqual([]);
  await server.close();
});

class RecordCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly w: number,
    readonly events: GeneratedEvent[],
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const mw = model.workspaces[this.w] as ModelWorkspace;
    const ids = [...mw.contacts.values()];
    const wire = this.events.map((e) => ({
      id: e.id,
      contact:
        e.contact.kind === "external"
          ? e.contact.value
          : e.contact.kind === "ghost" || ids.length === 0
            ? GHOST_ID
            : (ids[e.contact.pick % ids.length] as string),
      timestamp: new Date(real.clock.now - e.minutesAgo * 60_000).toISOString(),
      cost: e.cost,
      tokens: e.tokens,
      error: e.error,
    }));
    // The model: duplicates first, then the contact; an unknown _id refuses the whole batch.
    const seen = new Set<string>();
    const added: ModelEvent[] = [];
    const created = new Set<string>();
    let duplicates = 0;
    let refusedAt: number | undefined;
    wire.forEach((e, index) => {
      if (refusedAt !== undefined) return;
      if (seen.has(e.id) || mw.events.has(e.id)) {
        duplicates++;
        return;
      }
      seen.add(e.id);
      if (e.contact.startsWith("contact_") && !ids.includes(e.contact)) {
        refusedAt = index;
        return;
      }
      if (!e.contact.startsWith("contact_") && !mw.contacts.has(e.contact)) created.add(e.contact);
      added.push({
        id: e.id,
        contactId: e.contact,
        at: Date.parse(e.timestamp),
        costMicros: toMicros(e.cost),
        tokens: e.tokens,
        error: e.error,
      });
    });
    const res = await mw.ws.fetch("/v2/usage", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ events: wire }),
    });
    if (refusedAt !== undefined) {
      expect(res.status).toBe(422);
      expect(((await res.json()) as { event_index: number }).event_index).toBe(refusedAt);
      return;
    }
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      accepted: added.length,
      duplicates,
      contacts_created: created.size,
    });
    for (const externalId of created) {
      const found = (await (
        await mw.ws.fetch(`/v2/contacts/${encodeURIComponent(externalId)}`)
      ).json()) as {
        _id: string;
      };
      mw.contacts.set(externalId, found._id);
    }
    for (const e of added) {
      const contactId = mw.contacts.get(e.contactId) ?? e.contactId;
      mw.events.set(e.id, { ...e, contactId });
    }
    await checkAll(model);
  }
  toString = () => `record(ws${this.w}, ${JSON.stringify(this.events)})`;
}

class DeleteCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly w: number,
    readonly pick: number,
  ) {}
  check = (model: Readonly<Model>) => (model.workspaces[this.w]?.contacts.size ?? 0) > 0;
  async run(model: Model): Promise<void> {
    const mw = model.workspaces[this.w] as ModelWorkspace;
    const [externalId, id] = [...mw.contacts.entries()][this.pick % mw.contacts.size] as [
      string,
      string,
    ];
    expect((await mw.ws.fetch(`/v2/contacts/${id}`, { method: "DELETE" })).status).toBe(204);
    mw.contacts.delete(externalId);
    for (const [eventId, e] of mw.events) if (e.contactId === id) mw.events.delete(eventId);
    await checkAll(model);
  }
  toString = () => `delete(ws${this.w}, #${this.pick})`;
}

class AdvanceCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly minutes: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    real.clock.now += this.minutes * 60_000;
    await checkAll(model);
  }
  toString = () => `advance(${this.minutes} min)`;
}

interface Sums {
  cost: number;
  tokens: number;
  requests: number;
  errors: number;
}
function sum(events: Iterable<ModelEvent>, keep: (e: ModelEvent) => boolean): Map<string, Sums> {
  const sums = new Map<string, Sums>();
  for (const e of events) {
    if (!keep(e)) continue;
    const s = sums.get(e.contactId) ?? { cost: 0, tokens: 0, requests: 0, errors: 0 };
    s.cost += e.costMicros;
    s.tokens += e.tokens;
    s.requests += 1;
    s.errors += e.error ? 1 : 0;
    sums.set(e.contactId, s);
  }
  return sums;
}
const metricsOf = (s: Sums | undefined) => ({
  total_cost: (s?.cost ?? 0) / 1e6,
  total_tokens: s?.tokens ?? 0,
  total_requests: s?.requests ?? 0,
  error_rate: s && s.requests > 0 ? s.errors / s.requests : 0,
});

/** Every contact's metrics and each workspace's top list, against the model. */
async function checkAll(model: Model): Promise<void> {
  const now = clock.now;
  const firstHour = Math.floor(now / HOUR_MS) - (METRICS_WINDOW_HOURS - 1);
  const toDay = Math.floor(now / DAY_MS) + 1;
  for (const mw of model.workspaces) {
    const windowSums = sum(mw.events.values(), (e) => Math.floor(e.at / HOUR_MS) >= firstHour);
    const page = (await (await mw.ws.fetch("/v2/contacts?limit=50")).json()) as {
      data: { _id: string; metrics: unknown }[];
    };
    expect(page.data.map((c) => c._id).sort()).toEqual([...mw.contacts.values()].sort());
    for (const c of page.data) expect(c.metrics).toEqual(metricsOf(windowSums.get(c._id)));

    // The default period (the store's window, rolled as the clock moves) by every ranking, and
    // a period beside it (the daily totals), each against the sums of the raw events.
    const checks: [keyof Sums, string, number, number][] = [
      ["cost", "", toDay - 30, toDay],
      ["errors", "&by=errors", toDay - 30, toDay],
      ["tokens", "&by=tokens", toDay - 30, toDay],
      [
        "requests",
        `&by=requests&from=${date(toDay - 31)}&to=${date(toDay - 1)}`,
        toDay - 31,
        toDay - 1,
      ],
    ];
    for (const [by, query, fromDay, endDay] of checks) {
      const daySums = sum(mw.events.values(), (e) => {
        const day = Math.floor(e.at / DAY_MS);
        return day >= fromDay && day < endDay;
      });
      const expectedTop = [...daySums.entries()]
        .filter(([, s]) => s[by] > 0)
        .sort(([a, x], [b, y]) => y[by] - x[by] || (a < b ? 1 : -1))
        .map(([id, s]) => [id, metricsOf(s)]);
      const top = (await (await mw.ws.fetch(`/v2/usage/top?limit=100${query}`)).json()) as {
        data: ({ contact: { _id: string } } & ReturnType<typeof metricsOf>)[];
      };
      expect(
        top.data.map(({ contact, ...totals }) => [contact._id, totals]),
        `top ${by} ${query}`,
      ).toEqual(expectedTop);
    }
  }
}

/** A day number as the top list's `from`/`to` take it. */
const date = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

it(
  "metrics and top lists follow a model of the raw events, step by step, in two workspaces",
  async () => {
    const workspaceIndex = fc.constantFrom(0, 1);
    const commands = [
      fc
        .tuple(workspaceIndex, fc.array(generatedEvent, { minLength: 1, maxLength: 8 }))
        .map(([w, events]) => new RecordCommand(w, events)),
      fc.tuple(workspaceIndex, fc.nat(10)).map(([w, pick]) => new DeleteCommand(w, pick)),
      fc
        .oneof(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 60, max: 48 * 60 }))
        .map((minutes) => new AdvanceCommand(minutes)),
    ];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 14 }), async (cmds) => {
        clock.now = Date.UTC(2026, 2, 10, 12, 30);
        const model: Model = {
          workspaces: [
            { ws: await server.workspace(), contacts: new Map(), events: new Map() },
            { ws: await server.workspace(), contacts: new Map(), events: new Map() },
          ],
        };
        await fc.asyncModelRun(() => ({ model, real: { clock } }), cmds);
      }),
      fcParameters(numRuns(25, 500)),
    );
  },
  TEST_TIMEOUT_MS,
);

it("sums any generated costs exactly, whatever their order", async () => {
  const ws = await server.workspace();
  let batch = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 1, maxLength: 50 }),
      async (costs) => {
        clock.now = Date.UTC(2026, 2, 10, 12, 30);
        const contact = `sum_${++batch}`;
        const events = costs.map((cost, i) => ({
          id: `${contact}_${i}`,
          contact,
          timestamp: new Date(clock.now).toISOString(),
          cost,
          tokens: 1,
        }));
        const res = await ws.fetch("/v2/usage", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ events: events.reverse() }),
        });
        expect(res.status).toBe(200);
        const micros = costs.reduce((total, cost) => total + toMicros(cost), 0);
        const got = (await (await ws.fetch(`/v2/contacts/${contact}`)).json()) as {
          metrics: { total_cost: number };
        };
        expect(got.metrics.total_cost).toBe(micros / 1e6);
        expect(Math.round(got.metrics.total_cost * 1e6)).toBe(micros);
      },
    ),
    fcParameters(numRuns(30, 1000)),
  );
});
