/**
 * On a terminal the admin CLI's import draws a live bar (cli-progress), not periodic lines: run
 * under a real pseudo-terminal with util-linux `script`.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { processRunner } from "./support/server-process.js";

const dir = mkdtempSync(join(tmpdir(), "contacts-tty-"));
const database = join(dir, "contacts.db");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hasScript = (() => {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

it.skipIf(!hasScript)(
  "draws a progress bar with counts, rate and ETA on a TTY",
  async () => {
    const { admin } = processRunner({ DATABASE_URL: database });
    expect((await admin("keys", "create", "--workspace", "tty", "--create-database")).code).toBe(0);
    const file = join(dir, "in.jsonl");
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ external_id: `t${i}` }));
    writeFileSync(file, `${lines.join("\n")}\n{"external_id":""}\n`);
    const command = [process.execPath, "--import", "tsx", "src/admin/cli.ts", "import", file];
    const quoted = [...command, "--workspace", "tty", "--batch-size", "100"]
      .map((arg) => `'${arg}'`)
      .join(" ");
    const child = spawn("script", ["-qec", quoted, "/dev/null"], {
      env: { ...process.env, DATABASE_URL: database, COLUMNS: "200" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let screen = "";
    child.stdout.on("data", (chunk: Buffer) => {
      screen += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(3); // one line rejected
    expect(screen).toMatch(
      /[█░]+ \d+% \| [\d,]+ lines \| [\d,]+ created 0 updated 0 unchanged 0 skipped [01] rejected \| [\d,]+\/s \| ETA/,
    );
    expect(screen).not.toMatch(/^import: /m); // no periodic lines on a terminal
    expect(screen).toContain("import done: 3,001 lines: 3,000 created");
  },
  120_000,
);
