import pino from "pino";
import type { LogLevel } from "./config.js";

/** Structured logger: one JSON object per line. Never pass it secrets, bodies or emails. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Writes out anything buffered; call before the process exits. */
  flush(): void;
}

export interface LoggerOptions {
  /** Where lines go; stdout (buffered) by default. Tests pass their own. */
  write?: (line: string) => void;
  /** Human-readable, coloured output through pino-pretty (development only). */
  pretty?: boolean;
}

/** A pino logger behind the small interface the app uses. */
export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  const settings: pino.LoggerOptions = {
    level,
    base: null,
    messageKey: "msg",
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  // Synchronous stdout: a line is out before the next statement runs, so nothing is lost when the
  // process exits or crashes (asynchronous writes dropped the last lines at exit).
  const stdout =
    options.write || options.pretty ? undefined : pino.destination({ dest: 1, sync: true });
  const log = options.pretty
    ? pino({ ...settings, transport: { target: "pino-pretty", options: { colorize: true } } })
    : pino(settings, stdout ?? { write: options.write as (line: string) => void });
  const at =
    (method: "debug" | "info" | "warn" | "error") =>
    (msg: string, fields?: Record<string, unknown>) =>
      log[method](fields ?? {}, msg);
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    flush: () => {
      if (stdout) stdout.flushSync();
      else log.flush();
    },
  };
}

/** Serializes an error for a log line, stack included. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    return { err: { type: error.name, message: error.message, stack: error.stack } };
  }
  return { err: { message: String(error) } };
}
