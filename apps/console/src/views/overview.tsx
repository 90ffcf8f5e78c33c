// The workspace's top contacts for a period, ranked by cost, tokens, requests or failed
// requests: a bar chart (SVG, drawn here: a ranking needs no time axis) and the same figures
// as a table. The URL holds the period and the measure.
import type { TopContactsParams } from "@contacts/client";
import type { PageProps } from "../app.js";
import { formatCost, formatCount, formatRate } from "../format.js";
import { Show, useLoad } from "../load.js";
import { contactHref, href, navigate } from "../router.js";

type By = NonNullable<TopContactsParams["by"]>;
const BY: Record<By, string> = {
  cost: "Cost",
  tokens: "Tokens",
  requests: "Requests",
  errors: "Failed requests",
};
const PERIODS = { "1": "Today", "7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days" };
type Period = keyof typeof PERIODS;

/** `YYYY-MM-DD` of the UTC day `days` from today. */
function utcDay(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

export function Overview({ client, signOut, query }: PageProps & { query: URLSearchParams }) {
  const by = (Object.hasOwn(BY, query.get("by") ?? "") ? query.get("by") : "cost") as By;
  const period = (
    Object.hasOwn(PERIODS, query.get("days") ?? "") ? query.get("days") : "30"
  ) as Period;
  const [loaded, reload] = useLoad(
    (signal) =>
      client.usage.top(
        { by, from: utcDay(1 - Number(period)), to: utcDay(1), limit: 10 },
        { signal },
      ),
    [by, period],
    signOut,
  );
  const go = (next: { by?: By; days?: Period }) =>
    navigate(href("/overview", { by: next.by ?? by, days: next.days ?? period }), {
      replace: true,
    });

  return (
    <>
      <h1 tabIndex={-1}>Overview</h1>
      <div class="filters">
        <div class="field">
          <label for="top-period">Period (UTC days)</label>
          <select
            id="top-period"
            value={period}
            onChange={(e) => go({ days: e.currentTarget.value as Period })}
          >
            {(Object.keys(PERIODS) as Period[]).map((p) => (
              <option key={p} value={p}>
                {PERIODS[p]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="top-by">Top contacts by</label>
          <select id="top-by" value={by} onChange={(e) => go({ by: e.currentTarget.value as By })}>
            {(Object.keys(BY) as By[]).map((b) => (
              <option key={b} value={b}>
                {BY[b]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <Show loaded={loaded} what="the top contacts" retry={reload}>
        {(top) => {
          if (top.data.length === 0) {
            return <p role="status">No usage recorded in this period.</p>;
          }
          const measureOf = (row: (typeof top.data)[number]) =>
            by === "cost"
              ? row.total_cost
              : by === "tokens"
                ? row.total_tokens
                : by === "requests"
                  ? row.total_requests
                  : Math.round(row.error_rate * row.total_requests);
          const format = by === "cost" ? formatCost : formatCount;
          const max = Math.max(...top.data.map(measureOf), 0) || 1;
          const nameOf = (row: (typeof top.data)[number]) =>
            row.contact.display_name ?? row.contact.external_id;
          return (
            <>
              <svg
                class="bars"
                viewBox={`0 0 600 ${top.data.length * 28 + 4}`}
                role="img"
                aria-label={`Bar chart of the top contacts by ${BY[by].toLowerCase()}; the table below lists the same figures.`}
              >
                {top.data.map((row, i) => (
                  <g key={row.contact._id} transform={`translate(0 ${i * 28 + 2})`}>
                    <text x="0" y="17" class="bar-label">
                      {nameOf(row).slice(0, 24)}
                    </text>
                    <rect x="190" y="3" height="20" width={(measureOf(row) / max) * 300} rx="2" />
                    <text x={196 + (measureOf(row) / max) * 300} y="17" class="bar-value">
                      {format(measureOf(row))}
                    </text>
                  </g>
                ))}
              </svg>
              <table class="top">
                <caption>
                  Top contacts by {BY[by].toLowerCase()}, {PERIODS[period].toLowerCase()}
                </caption>
                <thead>
                  <tr>
                    <th scope="col" class="num">
                      Rank
                    </th>
                    <th scope="col">Contact</th>
                    <th scope="col" class="num">
                      Cost
                    </th>
                    <th scope="col" class="num">
                      Tokens
                    </th>
                    <th scope="col" class="num">
                      Requests
                    </th>
                    <th scope="col" class="num">
                      Error rate
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {top.data.map((row, i) => (
                    <tr key={row.contact._id}>
                      <td class="num">{i + 1}</td>
                      <td>
                        <a href={contactHref(row.contact._id)}>{nameOf(row)}</a>
                      </td>
                      <td class="num">{formatCost(row.total_cost)}</td>
                      <td class="num">{formatCount(row.total_tokens)}</td>
                      <td class="num">{formatCount(row.total_requests)}</td>
                      <td class="num">{formatRate(row.error_rate)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          );
        }}
      </Show>
    </>
  );
}
