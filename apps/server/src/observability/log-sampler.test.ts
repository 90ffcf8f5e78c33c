import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { LogSampler } from "./log-sampler.js";

describe("LogSampler", () => {
  it("writes the first lines of each window, then one summary of the rest", () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger("info", { write: (line) => lines.push(JSON.parse(line)) });
    let clock = 0;
    const sampler = new LogSampler(logger, {
      perWindow: 3,
      windowMs: 10_000,
      now: () => clock,
      summary: "more of them",
    });
    for (let i = 0; i < 50; i++) sampler.log(() => logger.info("one", { i }));
    expect(lines.map((l) => l.i)).toEqual([0, 1, 2]);

    clock += 10_000; // the next window: the summary first, then its own first lines
    sampler.log(() => logger.info("one", { i: 50 }));
    expect(lines.slice(3)).toEqual([
      expect.objectContaining({ level: "warn", msg: "more of them", not_logged: 47, window_s: 10 }),
      expect.objectContaining({ msg: "one", i: 50 }),
    ]);
    sampler.flush();
    expect(lines).toHaveLength(5); // nothing was left out since
  });
});
