// Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went: a rollup by layer
// (Express, validator, SQLite, node:http…), self and inclusive time per function, and self time
// per package/module, optionally only over a time window (the load phase, leaving out start-up)
// and per request. Usable on its own:
//   node --import tsx apps/bench/src/cpuprofile-summary.ts <file.cpuprofile> [--top 25]
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./args.js";
import { table } from "./stats.js";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** The .cpuprofile JSON that --cpu-prof writes (times in microseconds, monotonic clock). */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SummaryOptions {
  /** Only samples taken in [fromUs, toUs] (same clock as process.hrtime), when given. */
  fromUs?: number;
  toUs?: number;
  top: number;
  /** Paths are shown relative to this directory. */
  root: string;
  /** Requests served in the window: adds µs per request columns. */
  requests?: number;
}

export interface Summary {
  text: string;
  /** Main-thread time in the window, idle excluded, in µs (blocking syscalls count as busy). */
  busyUs: number;
}

const SPECIAL = new Set(["(root)", "(program)", "(idle)", "(garbage collector)"]);

const EXPRESS = new Set([
  "express",
  "router",
  "body-parser",
  "raw-body",
  "parseurl",
  "finalhandler",
  "type-is",
  "content-type",
  "on-finished",
  "qs",
  "accepts",
  "negotiator",
  "mime-types",
  "media-typer",
  "encodeurl",
  "escape-html",
  "statuses",
  "send",
  "fresh",
  "range-parser",
  "cookie",
  "http-errors",
  "depd",
  "iconv-lite",
  "bytes",
  "vary",
  "etag",
  "merge-descriptors",
  "setprototypeof",
  "utils-merge",
  "proxy-addr",
  "forwarded",
  "ipaddr.js",
  "unpipe",
  "ee-first",
  "destroy",
  "debug",
  "ms",
]);
const VALIDATOR = new Set([
  "express-openapi-validator",
  "ajv",
  "ajv-formats",
  "ajv-draft-04",
  "fast-deep-equal",
  "fast-uri",
  "json-schema-traverse",
  "lodash.clonedeep",
  "lodash.get",
  "media-typer",
]);

/**
 * The layer a sample's time belongs to. Native frames (addon calls, V8 builtins) and
 * path-to-regexp (used by both the router and the validator) count for their caller's layer.
 */
function layerOf(frames: readonly CallFrame[], root: string): string {
  for (const frame of frames) {
    if (SPECIAL.has(frame.functionName)) return frame.functionName;
    const module = moduleOf(frame, root);
    if (module === "(native)" || module === "path-to-regexp") continue;
    if (/\/store\/sqlite\/|better-sqlite3/.test(frame.url)) return "SQLite (store, better-sqlite3)";
    if (VALIDATOR.has(module)) return "express-openapi-validator + Ajv";
    if (EXPRESS.has(module)) return "Express + router + body-parser";
    if (module.startsWith("node:")) {
      return /writev|writeUtf8String|writeBuffer|writeLatin1String/.test(
        frames[0]?.functionName ?? "",
      )
        ? "socket writes (syscall, kernel TCP)"
        : "node:http, net, streams, events";
    }
    if (module.startsWith("pino") || module === "sonic-boom") return "logging (pino)";
    if (frame.url.includes("/apps/") || !frame.url.includes("/node_modules/")) {
      return "app code (handlers, middleware)";
    }
    return `other: ${module}`;
  }
  return "(native, no JS caller)";
}

/** A Markdown summary of the profile. */
export function summarize(profile: CpuProfile, options: SummaryOptions): Summary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const stackOf = (id: number): CallFrame[] => {
    const frames: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame) frames.push(frame);
    }
    return frames;
  };
  const layerCache = new Map<number, string>();

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const modules = new Map<string, number>();
  const layers = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) =>
    map.set(key, (map.get(key) ?? 0) + us);
  let total = 0;
  let kept = 0;
  let time = profile.startTime;
  const inWindow = (t: number) =>
    (options.fromUs === undefined || t >= options.fromUs) &&
    (options.toUs === undefined || t <= options.toUs);
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    time += delta;
    if (!inWindow(time)) continue;
    const id = profile.samples[i] as number;
    const node = byId.get(id);
    if (!node) continue;
    // The time since the previous sample is charged to this one (the profiler's own convention).
    const weight = Math.max(0, delta);
    total += weight;
    kept++;
    add(self, functionKey(node.callFrame, options.root), weight);
    add(modules, moduleOf(node.callFrame, options.root), weight);
    let layer = layerCache.get(id);
    if (layer === undefined) {
      layer = layerOf(stackOf(id), options.root);
      layerCache.set(id, layer);
    }
    add(layers, layer, weight);
    const seen = new Set<string>();
    for (const frame of stackOf(id)) {
      if (SPECIAL.has(frame.functionName)) continue;
      const name = functionKey(frame, options.root);
      if (seen.has(name)) continue;
      seen.add(name);
      add(inclusive, name, weight);
    }
  }
  const busyUs = total - (self.get("(idle)") ?? 0);
  const pct = (us: number) => `${((100 * us) / Math.max(1, total)).toFixed(1)}%`;
  const msOf = (us: number) => (us / 1000).toFixed(0);
  const perRequest = (us: number) =>
    options.requests ? [(us / options.requests).toFixed(1)] : ([] as string[]);
  const usHeader = options.requests ? ["µs/request"] : [];
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
  const special = (name: string) => self.get(name) ?? 0;
  const lines = [
    `${kept.toLocaleString("en-US")} samples over ${(total / 1e6).toFixed(1)} s: idle ${pct(special("(idle)"))}, GC ${pct(special("(garbage collector)"))}, (program) ${pct(special("(program)"))}` +
      (options.requests
        ? `; main-thread time per request (idle excluded; includes blocking syscalls such as fsync): ${(busyUs / options.requests).toFixed(0)} µs over ${options.requests.toLocaleString("en-US")} requests`
        : ""),
    "",
    "Self time by layer:",
    "",
    table(
      ["layer", "self ms", "self %", ...usHeader],
      top(layers, 50).map(([name, us]) => [name, msOf(us), pct(us), ...perRequest(us)]),
    ),
    "",
    `Self time by module (top ${Math.min(options.top, modules.size)}):`,
    "",
    table(
      ["module", "self ms", "self %"],
      top(modules, options.top).map(([name, us]) => [name, msOf(us), pct(us)]),
    ),
    "",
    `Self time by function (top ${options.top}):`,
    "",
    table(
      ["function", "self ms", "self %", ...usHeader],
      top(self, options.top).map(([name, us]) => [name, msOf(us), pct(us), ...perRequest(us)]),
    ),
    "",
    `Inclusive time by function (top ${options.top}):`,
    "",
    table(
      ["function", "total ms", "total %"],
      top(inclusive, options.top).map(([name, us]) => [name, msOf(us), pct(us)]),
    ),
  ];
  return { text: lines.join("\n"), busyUs };
}

function shortUrl(url: string, root: string): string {
  if (!url) return "";
  if (url.startsWith("node:")) return url;
  try {
    const path = url.startsWith("file:") ? fileURLToPath(url) : url;
    const nm = path.lastIndexOf("/node_modules/");
    return nm >= 0 ? path.slice(nm + "/node_modules/".length) : relative(root, path);
  } catch {
    return url;
  }
}

function functionKey(frame: CallFrame, root: string): string {
  const name = frame.functionName || "(anonymous)";
  if (SPECIAL.has(name)) return name;
  const url = shortUrl(frame.url, root);
  if (!url) return `${name} (native)`;
  // Positions are in the code V8 ran: for TypeScript run through tsx they match no source line.
  return url.endsWith(".ts") ? `${name} ${url}` : `${name} ${url}:${frame.lineNumber + 1}`;
}

/** node:<module>, an npm package, a file of this repository, or the profiler's own buckets. */
function moduleOf(frame: CallFrame, root: string): string {
  if (SPECIAL.has(frame.functionName)) return frame.functionName;
  if (!frame.url) return "(native)";
  const url = shortUrl(frame.url, root);
  if (url.startsWith("node:")) return url;
  if (frame.url.includes("/node_modules/")) {
    const parts = url.split("/");
    return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  return url;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) throw new Error("usage: cpuprofile-summary.ts <file.cpuprofile> [--top 25]");
  const args = parseArgs(rest, ["top"]);
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const { text } = summarize(profile, { top: args.number("top", 25), root: process.cwd() });
  process.stdout.write(`${text}\n`);
}
