import type { Logger } from "../logger.js";

export interface LogSamplerOptions {
  /** Lines written as they come in each window; the rest are counted. */
  perWindow: number;
  windowMs: number;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** The summary line's message; its fields say how many lines were left out, over what window. */
  summary: string;
}

/**
 * Logs the first `perWindow` lines of one kind per window, then counts the rest and writes one
 * summary line when the window ends: a flood (of failed-auth requests, of refused connections)
 * costs a bounded number of log lines, and is still visible.
 */
export class LogSampler {
  private windowStart = Number.NEGATIVE_INFINITY;
  private written = 0;
  private skipped = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly options: LogSamplerOptions,
  ) {}

  /** Runs `write` (which logs one line) unless this window already had its share. */
  log(write: () => void): void {
    const at = this.options.now();
    if (at - this.windowStart >= this.options.windowMs) {
      this.flush();
      this.windowStart = at;
      this.written = 0;
    }
    if (this.written < this.options.perWindow) {
      this.written += 1;
      write();
      return;
    }
    this.skipped += 1;
    // The summary goes out when the window ends even if nothing else comes; unref: never keeps
    // the process alive.
    this.timer ??= setTimeout(() => this.flush(), this.options.windowMs).unref();
  }

  /** Writes the summary of the lines left out so far, if any. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.skipped === 0) return;
    this.logger.warn(this.options.summary, {
      not_logged: this.skipped,
      window_s: this.options.windowMs / 1000,
    });
    this.skipped = 0;
  }
}
