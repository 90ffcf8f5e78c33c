// Each system under test runs in its own child process, so its CPU, memory and event loop are
// its own and the load generator (this process) never shares them. Linux-only: ports and RSS are
// read from /proc.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** A running server child. */
export interface Target {
  name: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  pid: number;
  /** Current resident set size, MB. */
  rssMb(): number;
  /** Peak resident set size since start (VmHWM), MB. */
  peakRssMb(): number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
let cleanupInstalled = false;

/** Kills the children this process started if it exits early (error, Ctrl-C). */
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill("SIGKILL");
      process.exit(130);
    });
  }
}

/**
 * Spawns `node <args>` with `env` added, listening on 127.0.0.1 port 0, and resolves once it
 * answers `GET /healthz`. The port comes from a `{"msg":"listening","url":...}` line on stdout
 * when there is one (the server logs it only at LOG_LEVEL=info), else from /proc.
 */
export async function startTarget(
  name: string,
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<Target> {
  installCleanup();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => running.delete(child));

  let output = "";
  let announced: string | undefined;
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-8000);
    for (const line of output.split("\n")) {
      if (!line.includes('"listening"')) continue;
      try {
        const parsed = JSON.parse(line) as { msg?: string; url?: string };
        if (parsed.msg === "listening" && parsed.url) announced = parsed.url;
      } catch {
        // not a whole JSON line yet
      }
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not spawn node`);
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (!url) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited before listening:\n${output}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${name} did not listen within 30 s:\n${output}`);
    }
    const port = announced ? Number(new URL(announced).port) : listeningPorts(pid)[0];
    if (port && (await healthy(`http://127.0.0.1:${port}`))) url = `http://127.0.0.1:${port}`;
    else await sleep(50);
  }
  // Stop draining output only after start: a full pipe would block the child.
  child.stdout?.off("data", collect);
  child.stderr?.off("data", collect);
  child.stdout?.resume();
  child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk}`));

  return {
    name,
    url,
    pid,
    rssMb: () => statusMb(pid, "VmRSS"),
    peakRssMb: () => statusMb(pid, "VmHWM"),
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** TCP ports process `pid` listens on: its socket inodes matched against /proc/<pid>/net/tcp*. */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode) inodes.add(inode);
      } catch {
        // the descriptor closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ["tcp", "tcp6"]) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const cols = line.trim().split(/\s+/);
      const LISTEN = "0A";
      if (cols[3] !== LISTEN || !inodes.has(cols[9] ?? "")) continue;
      const port = Number.parseInt(cols[1]?.split(":")[1] ?? "", 16);
      if (port > 0) ports.push(port);
    }
  }
  return ports;
}

export function statusMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
