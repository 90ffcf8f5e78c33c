/**
 * The budget of the property tests, in one place.
 *
 * - `npm test`: a fixed seed and a small budget per property: fast, and the same cases on every run.
 * - `DEEP=1` (`npm run test:deep`): a fresh random seed, a large budget (about 20,000 generated
 *   requests and long stateful runs), and each file prints what it covered.
 * - `PROPERTY_RUNS=<n>`: exactly n cases for every property (overrides both).
 * - `FC_SEED=<seed>` (with `FC_PATH=<path>`): replays a failure exactly as fast-check reported it
 *   ("seed: …, path: …" above the counterexample).
 */
import type fc from "fast-check";

export const DEEP = ["1", "true"].includes(process.env.DEEP ?? "");
const FIXED_SEED = 20_260_401;
const forcedRuns = Number(process.env.PROPERTY_RUNS);

/** The seed of every property in this process. */
export const SEED = process.env.FC_SEED
  ? Number(process.env.FC_SEED)
  : DEEP
    ? Math.floor(Math.random() * 0x7fffffff)
    : FIXED_SEED;

/** Whether to print coverage summaries (deep or sized runs). */
export const REPORT = DEEP || Number.isInteger(forcedRuns);

/** A property's number of cases: `fast` in `npm test`, `deep` in a deep run. */
export function numRuns(fast: number, deep: number): number {
  return Number.isInteger(forcedRuns) && forcedRuns > 0 ? forcedRuns : DEEP ? deep : fast;
}

/** fast-check parameters: the shared seed, the replay path if given, and the number of cases. */
export function fcParameters<T>(runs: number): fc.Parameters<T> {
  const path = process.env.FC_PATH;
  return { numRuns: runs, seed: SEED, ...(path !== undefined && { path }) };
}

/** A vitest timeout that fits the budget. */
export const TEST_TIMEOUT_MS = DEEP || Number.isInteger(forcedRuns) ? 60 * 60_000 : 60_000;

/** No single request may take longer: a hung request fails the property. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Counts what the generated cases exercised, for the summary of a deep run. */
export class Coverage {
  private readonly counts = new Map<string, number>();

  constructor(private readonly title: string) {}

  add(label: string): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
  }

  /** Prints the counts (deep and sized runs only), with the seed to replay them. */
  print(): void {
    if (!REPORT) return;
    const total = [...this.counts.values()].reduce((sum, count) => sum + count, 0);
    const lines = [...this.counts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([label, count]) => `  ${String(count).padStart(7)}  ${label}`);
    console.info(`${this.title}: ${total} cases (seed ${SEED})\n${lines.join("\n")}`);
  }
}
