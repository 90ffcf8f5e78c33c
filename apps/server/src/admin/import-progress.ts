/**
 * What an import shows while it runs: on a terminal, a live bar (cli-progress) with the lines
 * read, each outcome, the rate and the ETA; elsewhere (a pipe, a log file), one line every few
 * seconds. The closing summary is the caller's, always printed.
 */
import cliProgress from "cli-progress";
import type { ImportCounts } from "../bulk/import-runner.js";

/** Seconds between progress lines when stderr is not a terminal. */
export const PROGRESS_LINE_SECONDS = 5;

export interface ImportProgress {
  /** The counts so far and, for a file, the bytes read of `totalBytes`. */
  update(counts: Readonly<ImportCounts>, bytesRead?: number): void;
  stop(): void;
}

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** The source's size, when known (a file): the bar and ETA follow bytes read. */
  totalBytes: number | undefined;
  now?: () => number;
}

/** A bar on a TTY, periodic lines otherwise. */
export function importProgress(options: ProgressOptions): ImportProgress {
  return options.stream.isTTY ? progressBar(options) : progressLines(options);
}

const count = (n: number) => n.toLocaleString("en-US");

/** One line: what the import did so far. */
export function describeCounts(counts: Readonly<ImportCounts>): string {
  return `${count(counts.read)} lines: ${count(counts.created)} created, ${count(counts.updated)} updated, ${count(counts.unchanged)} unchanged, ${count(counts.skipped)} skipped, ${count(counts.rejected)} rejected`;
}

function progressBar({ stream, totalBytes, now = Date.now }: ProgressOptions): ImportProgress {
  const started = now();
  const known = totalBytes !== undefined && totalBytes > 0;
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: known
        ? "{bar} {percentage}% | {read} lines | {created} created {updated} updated {unchanged} unchanged {skipped} skipped {rejected} rejected | {rate}/s | ETA {eta_formatted}"
        : "{read} lines | {created} created {updated} updated {unchanged} unchanged {skipped} skipped {rejected} rejected | {rate}/s",
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (counts: Readonly<ImportCounts>) => ({
    ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, count(v)])),
    rate: count(Math.round(counts.read / Math.max(0.001, (now() - started) / 1000))),
  });
  let last = 0;
  bar.start(
    known ? totalBytes : 1,
    0,
    payload({ read: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, rejected: 0 }),
  );
  return {
    update(counts, bytesRead) {
      last = bytesRead ?? last;
      bar.update(known ? last : 0, payload(counts));
    },
    stop() {
      bar.stop();
    },
  };
}

function progressLines({ stream, totalBytes, now = Date.now }: ProgressOptions): ImportProgress {
  const started = now();
  let lastLine = started;
  return {
    update(counts, bytesRead) {
      const at = now();
      if (at - lastLine < PROGRESS_LINE_SECONDS * 1000) return;
      lastLine = at;
      const seconds = (at - started) / 1000;
      const rate = counts.read / Math.max(0.001, seconds);
      const share =
        totalBytes && bytesRead !== undefined
          ? ` (${Math.floor((bytesRead / totalBytes) * 100)}%, ETA ${Math.max(0, Math.round((seconds / Math.max(bytesRead, 1)) * (totalBytes - bytesRead)))} s)`
          : "";
      stream.write(
        `import: ${describeCounts(counts)}; ${count(Math.round(rate))} lines/s${share}\n`,
      );
    },
    stop() {},
  };
}
