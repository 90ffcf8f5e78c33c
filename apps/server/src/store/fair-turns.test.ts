import { describe, expect, it } from "vitest";
import { ListQueueFullError } from "../contacts/contact-errors.js";
import { FairTurns } from "./fair-turns.js";

/** A call whose end the test decides, and which records when and where it started. */
function gate() {
  let open!: (value: string) => void;
  let fail!: (error: Error) => void;
  const done = new Promise<string>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { done, open, fail };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("FairTurns", () => {
  it("runs no more calls at once than it has slots, each on a slot of its own", async () => {
    const turns = new FairTurns({ slots: 2, maxInFlightPerWorkspace: 10 });
    const started: number[] = [];
    const gates = Array.from({ length: 3 }, () => gate());
    const calls = gates.map((g, i) =>
      turns.run("a", (slot) => {
        started.push(slot);
        return g.done.then((value) => `${value}${i}`);
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1]?.open("x");
    await tick();
    // The third call takes the slot the second one left.
    expect(started).toEqual([0, 1, 1]);
    gates[0]?.open("y");
    gates[2]?.open("z");
    expect(await Promise.all(calls)).toEqual(["y0", "x1", "z2"]);
  });

  it("gives the slot to the workspaces in turn, whoever sent more", async () => {
    const turns = new FairTurns({ slots: 1, maxInFlightPerWorkspace: 10 });
    const order: string[] = [];
    const call = (workspace: string, label: string) =>
      turns.run(workspace, async () => {
        order.push(label);
        await tick();
      });
    const calls = [call("a", "a1"), call("a", "a2"), call("a", "a3"), call("b", "b1")];
    calls.push(call("c", "c1"), call("b", "b2"));
    await Promise.all(calls);
    // a1 was running when the others came: then a, b and c take turns.
    expect(order).toEqual(["a1", "a2", "b1", "c1", "a3", "b2"]);
  });

  it("refuses a workspace past its share in flight, and takes it again once one ends", async () => {
    const turns = new FairTurns({ slots: 1, maxInFlightPerWorkspace: 2 });
    const first = gate();
    const running = turns.run("a", () => first.done);
    const waiting = turns.run("a", async () => "second");
    await expect(turns.run("a", async () => "third")).rejects.toBeInstanceOf(ListQueueFullError);
    // Another workspace's share is its own.
    const other = turns.run("b", async () => "b");
    first.open("first");
    expect(await Promise.all([running, waiting, other])).toEqual(["first", "second", "b"]);
    expect(await turns.run("a", async () => "again")).toBe("again");
  });

  it("gives the share back before the caller resumes: awaited calls one after another all run", async () => {
    const turns = new FairTurns({ slots: 1, maxInFlightPerWorkspace: 1 });
    expect(await turns.run("a", async () => 1)).toBe(1);
    expect(await turns.run("a", async () => 2)).toBe(2);
    await expect(turns.run("a", async () => Promise.reject(new Error("boom")))).rejects.toThrow();
    expect(await turns.run("a", async () => 3)).toBe(3);
  });

  it("frees the slot and the share of a call that fails, or throws before it starts", async () => {
    const turns = new FairTurns({ slots: 1, maxInFlightPerWorkspace: 1 });
    await expect(turns.run("a", async () => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
    await expect(
      turns.run("a", () => {
        throw new Error("sync");
      }),
    ).rejects.toThrow("sync");
    expect(await turns.run("a", async () => "served")).toBe("served");
  });

  it("fails waiting calls on close, and every later one, while running ones finish", async () => {
    const turns = new FairTurns({ slots: 1, maxInFlightPerWorkspace: 5 });
    const first = gate();
    const running = turns.run("a", () => first.done);
    const waiting = turns.run("b", async () => "never");
    turns.close(new Error("closed"));
    await expect(waiting).rejects.toThrow("closed");
    await expect(turns.run("c", async () => "never")).rejects.toThrow("closed");
    first.open("finished");
    expect(await running).toBe("finished");
  });
});
