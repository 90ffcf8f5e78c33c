import { readFileSync } from "node:fs";

/**
 * The process's open-file limit (the soft `ulimit -n`, which Node raises to the hard limit at
 * start), read from /proc on Linux; undefined where it cannot be read. Infinity when unlimited.
 */
export function openFileLimit(limitsFile = "/proc/self/limits"): number | undefined {
  let text: string;
  try {
    text = readFileSync(limitsFile, "utf8");
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  if (soft === "unlimited") return Number.POSITIVE_INFINITY;
  const limit = Number(soft);
  return Number.isSafeInteger(limit) && limit > 0 ? limit : undefined;
}
