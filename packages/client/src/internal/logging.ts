/** The client's log: what it tells about requests, responses and retries, at which level. */

/** From most to least verbose; `off` logs nothing. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "off"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where log lines go: `console` by default, or any object with these four methods. */
export interface Logger {
  debug(message: string, details: Record<string, unknown>): void;
  info(message: string, details: Record<string, unknown>): void;
  warn(message: string, details: Record<string, unknown>): void;
  error(message: string, details: Record<string, unknown>): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, off: 4 };

/** `logger` behind a `logLevel` filter: messages below the level are dropped. */
export function createLog(logger: Logger, level: LogLevel): Logger {
  if (!(level in RANK)) {
    throw new RangeError(`logLevel must be one of ${LOG_LEVELS.join(", ")}, got ${String(level)}`);
  }
  const at =
    (method: Exclude<LogLevel, "off">) =>
    (message: string, details: Record<string, unknown>): void => {
      if (RANK[method] >= RANK[level]) logger[method](message, details);
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
