import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { emptyCounts } from "../bulk/import-runner.js";
import { importProgress, PROGRESS_LINE_SECONDS } from "./import-progress.js";

function capture(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 200 });
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

describe("importProgress", () => {
  it("draws a bar on a terminal: lines read, each outcome, rate and ETA", () => {
    const out = capture(true);
    let now = 0;
    const progress = importProgress({ stream: out.stream, totalBytes: 1000, now: () => now });
    now = 2000;
    progress.update({ ...emptyCounts(), read: 500, created: 490, rejected: 10 }, 500);
    progress.stop();
    expect(out.text()).toMatch(
      /50% \| 500 lines \| 490 created 0 updated 0 unchanged 0 skipped 10 rejected \| 250\/s \| ETA/,
    );
  });

  it("writes one line every few seconds elsewhere", () => {
    const out = capture(false);
    let now = 0;
    const progress = importProgress({ stream: out.stream, totalBytes: 1000, now: () => now });
    for (let second = 1; second <= 3 * PROGRESS_LINE_SECONDS; second++) {
      now = second * 1000;
      progress.update({ ...emptyCounts(), read: second * 10, created: second * 10 }, second * 10);
    }
    progress.stop();
    const lines = out.text().split("\n").filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      "import: 50 lines: 50 created, 0 updated, 0 unchanged, 0 skipped, 0 rejected; 10 lines/s (5%, ETA 95 s)",
    );
  });
});
