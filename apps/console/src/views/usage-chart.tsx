// A contact's usage over time: uPlot draws the chosen measure, and a table beside it lists the
// same buckets as text (for screen readers, and for anyone who wants the figures).
import type { ContactsClient, UsageSeries } from "@contacts/client";
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatBucket, formatCost, formatCount, formatRate } from "../format.js";
import { Show, useLoad } from "../load.js";

type Granularity = "hour" | "day";
type Measure = "cost" | "tokens" | "requests" | "errors";
type Bucket = UsageSeries["data"][number];

const RANGES = [
  { id: "24h", label: "Last 24 hours", hours: 24, granularity: "hour" },
  { id: "7d-hour", label: "Last 7 days, by hour", hours: 24 * 7, granularity: "hour" },
  { id: "7d", label: "Last 7 days", hours: 24 * 7, granularity: "day" },
  { id: "30d", label: "Last 30 days", hours: 24 * 30, granularity: "day" },
  { id: "90d", label: "Last 90 days", hours: 24 * 90, granularity: "day" },
] as const satisfies readonly {
  id: string;
  label: string;
  hours: number;
  granularity: Granularity;
}[];

const MEASURES: Record<
  Measure,
  { label: string; of: (b: Bucket) => number; format: (n: number) => string }
> = {
  cost: { label: "Cost (USD)", of: (b) => b.total_cost, format: formatCost },
  tokens: { label: "Tokens", of: (b) => b.total_tokens, format: formatCount },
  requests: { label: "Requests", of: (b) => b.total_requests, format: formatCount },
  errors: { label: "Failed requests", of: errorsOf, format: formatCount },
};

function errorsOf(bucket: Bucket): number {
  return Math.round(bucket.error_rate * bucket.total_requests);
}

export function UsageChart({
  client,
  contactId,
  signOut,
}: {
  client: ContactsClient;
  contactId: string;
  signOut: (message?: string) => void;
}) {
  const [rangeId, setRangeId] = useState<(typeof RANGES)[number]["id"]>("30d");
  const [measure, setMeasure] = useState<Measure>("cost");
  const range = RANGES.find((r) => r.id === rangeId) ?? RANGES[3];
  const [loaded, reload] = useLoad(
    (signal) => {
      const to = new Date();
      const from = new Date(to.getTime() - range.hours * 3_600_000);
      return client.contacts.usage(
        contactId,
        { from: from.toISOString(), to: to.toISOString(), granularity: range.granularity },
        { signal },
      );
    },
    [contactId, rangeId],
    signOut,
  );

  return (
    <section aria-labelledby="usage-heading">
      <h2 id="usage-heading">Usage</h2>
      <div class="filters">
        <div class="field">
          <label for="usage-range">Period</label>
          <select
            id="usage-range"
            value={rangeId}
            onChange={(e) => setRangeId(e.currentTarget.value as typeof rangeId)}
          >
            {RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="usage-measure">Show</label>
          <select
            id="usage-measure"
            value={measure}
            onChange={(e) => setMeasure(e.currentTarget.value as Measure)}
          >
            {(Object.keys(MEASURES) as Measure[]).map((m) => (
              <option key={m} value={m}>
                {MEASURES[m].label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <Show loaded={loaded} what="usage" retry={reload}>
        {(series) => (
          <UsageFigures series={series} measure={measure} granularity={range.granularity} />
        )}
      </Show>
    </section>
  );
}

function UsageFigures({
  series,
  measure,
  granularity,
}: {
  series: UsageSeries;
  measure: Measure;
  granularity: Granularity;
}) {
  const { label, of, format } = MEASURES[measure];
  const active = series.data.filter((b) => b.total_requests > 0);
  const totals = {
    cost: series.data.reduce((sum, b) => sum + b.total_cost, 0),
    tokens: series.data.reduce((sum, b) => sum + b.total_tokens, 0),
    requests: series.data.reduce((sum, b) => sum + b.total_requests, 0),
    errors: series.data.reduce((sum, b) => sum + errorsOf(b), 0),
  };
  const unit = granularity === "day" ? "day" : "hour";
  return (
    <>
      <p class="totals" data-testid="usage-totals">
        Total: {formatCost(totals.cost)} · {formatCount(totals.tokens)} tokens ·{" "}
        {formatCount(totals.requests)} requests · {formatCount(totals.errors)} failed
      </p>
      <Plot
        x={series.data.map((b) => Date.parse(b.start) / 1000)}
        y={series.data.map(of)}
        label={label}
        format={format}
        description={`${label} by ${unit} (UTC); the table below lists the same figures.`}
      />
      {active.length === 0 ? (
        <p role="status">No usage recorded in this period.</p>
      ) : (
        <table class="usage">
          <caption>
            Usage by {unit} (UTC), {unit}s with requests only
          </caption>
          <thead>
            <tr>
              <th scope="col">{unit === "day" ? "Day" : "Hour"}</th>
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
                Failed
              </th>
              <th scope="col" class="num">
                Error rate
              </th>
            </tr>
          </thead>
          <tbody>
            {active.map((b) => (
              <tr key={b.start}>
                <th scope="row">{formatBucket(b.start, granularity)}</th>
                <td class="num">{formatCost(b.total_cost)}</td>
                <td class="num">{formatCount(b.total_tokens)}</td>
                <td class="num">{formatCount(b.total_requests)}</td>
                <td class="num">{formatCount(errorsOf(b))}</td>
                <td class="num">{formatRate(b.error_rate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** One uPlot series as bars over time; redrawn when its data or width changes. */
export function Plot({
  x,
  y,
  label,
  format,
  description,
}: {
  x: number[];
  y: number[];
  label: string;
  format: (n: number) => string;
  description: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = Math.max(320, element.clientWidth);
    const bars = uPlot.paths.bars?.({ size: [0.8, 40] });
    const plot = new uPlot(
      {
        width,
        height: 240,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        // Bucket starts are UTC, as in the table: the axis reads UTC too.
        tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC"),
        scales: {
          // Half a bucket of room at each end, so the first and last bars are drawn whole.
          x: {
            time: true,
            range: (_u, min, max) => {
              const half = x.length > 1 ? ((x[1] ?? 0) - (x[0] ?? 0)) / 2 : 1800;
              return [min - half, max + half];
            },
          },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [
          { stroke: "#333" },
          { stroke: "#333", size: 70, values: (_u, ticks) => ticks.map(format) },
        ],
        series: [
          {},
          {
            label,
            stroke: "#1f5fa8",
            fill: "rgba(31, 95, 168, 0.25)",
            width: 1,
            points: { show: false },
            ...(bars && { paths: bars }),
          },
        ],
      },
      [x, y],
      element,
    );
    return () => plot.destroy();
  }, [x.join(","), y.join(","), label, format]);
  return <div class="plot" ref={box} role="img" aria-label={description} />;
}
