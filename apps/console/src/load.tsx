// Loading and error states, the same everywhere: a polite "Loading…", or an alert that says what
// went wrong and offers to retry (after the wait a 429 asked for).
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { describeProblem, type Problem } from "./api.js";

export type Loaded<T> =
  | { state: "loading" }
  | { state: "error"; problem: Problem }
  | { state: "done"; value: T };

/**
 * Runs `load` whenever `deps` change (and on `reload()`); a slower, older answer never replaces a
 * newer one. A rejected key signs out through `onSignedOut`.
 */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
  onSignedOut: (message: string) => void,
): [Loaded<T>, () => void] {
  const [result, setResult] = useState<Loaded<T>>({ state: "loading" });
  const [round, setRound] = useState(0);
  // Runs again when the caller's `deps` change (Preact compares them as given).
  useEffect(() => {
    const controller = new AbortController();
    setResult({ state: "loading" });
    load(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setResult({ state: "done", value });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const problem = describeProblem(error);
        if (problem.signedOut) onSignedOut(problem.message);
        else setResult({ state: "error", problem });
      },
    );
    return () => controller.abort();
  }, [...deps, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return [result, reload];
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** An error with a Retry button, disabled for as long as the server asked to wait. */
export function ProblemMessage({ problem, retry }: { problem: Problem; retry?: () => void }) {
  const [wait, setWait] = useState(problem.retryAfterSeconds ?? 0);
  useEffect(() => {
    setWait(problem.retryAfterSeconds ?? 0);
    if (!problem.retryAfterSeconds) return;
    const timer = setInterval(() => setWait((s) => (s > 0 ? s - 1 : 0)), 1000);
    return () => clearInterval(timer);
  }, [problem]);
  return (
    <div class="problem" role="alert">
      <p>{problem.message}</p>
      {retry && (
        <button type="button" onClick={retry} disabled={wait > 0}>
          {wait > 0 ? `Retry (in ${wait} s)` : "Retry"}
        </button>
      )}
    </div>
  );
}

/** Renders `loaded`'s value with `children`, or its loading or error state. */
export function Show<T>({
  loaded,
  what,
  retry,
  children,
}: {
  loaded: Loaded<T>;
  what: string;
  retry: () => void;
  children: (value: T) => ComponentChildren;
}) {
  if (loaded.state === "loading") return <Loading what={what} />;
  if (loaded.state === "error") return <ProblemMessage problem={loaded.problem} retry={retry} />;
  return <>{children(loaded.value)}</>;
}
