import { type ChildProcess, spawn } from "node:child_process";

/** A process of the server or the admin CLI, run from source as an operator would run them. */
export interface RunningProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  out(): string;
  err(): string;
}

/** Spawns and tracks processes; `killAll()` in afterAll leaves none behind. */
export function processRunner(env: NodeJS.ProcessEnv) {
  const children: ChildProcess[] = [];

  function run(
    script: string,
    args: string[] = [],
    extraEnv: NodeJS.ProcessEnv = {},
  ): RunningProcess {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      env: { ...process.env, ...env, ...extraEnv },
      cwd: process.cwd(),
    });
    children.push(child);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    return { child, exited, out: () => stdout, err: () => stderr };
  }

  /** Runs the admin CLI to completion. */
  async function admin(...args: string[]) {
    const proc = run("src/admin/cli.ts", args);
    const code = await proc.exited;
    return { code, stdout: proc.out(), stderr: proc.err() };
  }

  /** Starts the server and resolves once it logged the URL it listens on. */
  async function startServer(extraEnv: NodeJS.ProcessEnv = {}, timeoutMs = 60_000) {
    const proc = run("src/main.ts", [], extraEnv);
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "listening" line in: ${proc.out()}${proc.err()}`)),
        timeoutMs,
      );
      proc.child.stdout?.on("data", () => {
        const line = proc
          .out()
          .split("\n")
          .find((l) => l.includes('"msg":"listening"'));
        if (line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { url: string }).url);
        }
      });
    });
    // The first-start key, if any, is printed right after the listening line.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { ...proc, url };
  }

  return {
    run,
    admin,
    startServer,
    killAll: () => {
      for (const child of children) child.kill("SIGKILL");
    },
  };
}
