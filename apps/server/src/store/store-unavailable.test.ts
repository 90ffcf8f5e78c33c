import { describe, expect, it } from "vitest";
import { isStoreUnavailable } from "./store-unavailable.js";

const coded = (code: string, message = "x") => Object.assign(new Error(message), { code });

describe("isStoreUnavailable", () => {
  it.each<[string, unknown]>([
    ["a statement timeout (57014)", coded("57014", "canceling statement due to statement timeout")],
    ["a server shutting down (57P01)", coded("57P01")],
    ["a server starting up (57P03)", coded("57P03")],
    ["too many connections (53300)", coded("53300")],
    ["a deadlock (40P01)", coded("40P01")],
    ["a serialization failure (40001)", coded("40001")],
    ["a connection exception (class 08)", coded("08006")],
    ["a refused connection", coded("ECONNREFUSED")],
    ["a reset connection", coded("ECONNRESET")],
    ["every address refused (localhost)", new AggregateError([coded("ECONNREFUSED")], "x")],
    ["no pooled connection in time", new Error("timeout exceeded when trying to connect")],
    ["a connection ended under a query", new Error("Connection terminated unexpectedly")],
    ["SQLite's lock held too long", coded("SQLITE_BUSY", "database is locked")],
    ["an extended busy code", coded("SQLITE_BUSY_SNAPSHOT")],
  ])("takes %s as unavailable (503)", (_name, error) => {
    expect(isStoreUnavailable(error)).toBe(true);
  });

  it.each<[string, unknown]>([
    ["a unique violation (23505)", coded("23505")],
    ["a syntax error (42601)", coded("42601")],
    [
      "a pool closed by the server itself",
      new Error("Cannot use a pool after calling end on the pool"),
    ],
    ["a closed SQLite connection", new TypeError("The database connection is not open")],
    ["an SQLite constraint", coded("SQLITE_CONSTRAINT_UNIQUE")],
    ["a plain bug", new TypeError("cannot read properties of undefined")],
    ["an AggregateError of bugs", new AggregateError([new Error("x")], "x")],
    ["not an Error", { code: "57014" }],
  ])("leaves %s to be a 500", (_name, error) => {
    expect(isStoreUnavailable(error)).toBe(false);
  });
});
