/**
 * A workspace whose top list over a period other than the default one is slow (hundreds of ms on
 * a list worker): the heaviest call a workspace can send, for tests about fairness on the workers.
 */
import { expect } from "vitest";
import { DAY_MS } from "../../src/usage/usage-rules.js";
import type { TestServer, TestWorkspace } from "./test-server.js";

export interface SlowTopList {
  /** GET path of the slow top list (10 entries): not the default period, so summed per call. */
  path: string;
}

/**
 * Gives `workspace` `contacts` contacts with `days` days of usage before yesterday; the history
 * is written in SQL (seeding 200,000 events through the API would take a minute).
 */
export async function seedSlowTopList(
  server: TestServer,
  workspace: TestWorkspace,
  { contacts, days }: { contacts: number; days: number },
): Promise<SlowTopList> {
  const today = Math.floor(Date.now() / DAY_MS);
  const date = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
  // The contacts, made by their first events (yesterday) through the API.
  for (let first = 0; first < contacts; first += 1000) {
    const events = Array.from({ length: Math.min(1000, contacts - first) }, (_, i) => ({
      id: `first-${first + i}`,
      contact: `user-${first + i}`,
      timestamp: new Date((today - 1) * DAY_MS + i).toISOString(),
      cost: 0.001,
      tokens: 1,
    }));
    const res = await workspace.fetch("/v2/usage", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ events }),
    });
    expect(res.status).toBe(200);
  }
  // The daily totals a long history leaves: top lists read those, never the events.
  await server.sql(
    `WITH RECURSIVE d(day) AS (
       SELECT CAST(? AS INTEGER) UNION ALL SELECT day + 1 FROM d WHERE day + 1 < ?)
     INSERT INTO usage_daily (workspace_id, contact_id, day, cost_micros, tokens, requests, errors)
     SELECT c.workspace_id, c.id, d.day,
            (CAST(substr(c.external_id, 6) AS INTEGER) * 7919 + d.day) % 1000 + 1, 1, 1, 0
     FROM contacts c, d WHERE c.workspace_id = ?`,
    today - 1 - days,
    today - 1,
    workspace.workspaceId,
  );
  // The first default-period top list of the day builds the window: done here, not in a test.
  expect((await workspace.fetch("/v2/usage/top?by=cost")).status).toBe(200);
  return {
    path: `/v2/usage/top?by=cost&limit=10&from=${date(today - days - 1)}&to=${date(today)}`,
  };
}

/** The median of three timed calls of the slow top list, each expected to answer 200. */
export async function timeSlowTopList(workspace: TestWorkspace, top: SlowTopList): Promise<number> {
  const alone: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const res = await workspace.fetch(top.path);
    alone.push(performance.now() - started);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(10);
  }
  return alone.sort((a, b) => a - b)[1] as number;
}
