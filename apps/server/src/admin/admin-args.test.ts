import { describe, expect, it } from "vitest";
import { type AdminCommand, parseAdminArgs, UsageError } from "./admin-args.js";

describe("parseAdminArgs", () => {
  it.each<[string, { given: string[]; want: AdminCommand }]>([
    [
      "keys create",
      {
        given: ["keys", "create", "--workspace", "acme"],
        want: { kind: "keys create", workspace: "acme", createDatabase: false },
      },
    ],
    [
      "keys create, inline value and --create-database",
      {
        given: ["keys", "create", "--create-database", "--workspace=acme"],
        want: { kind: "keys create", workspace: "acme", createDatabase: true },
      },
    ],
    ["keys list", { given: ["keys", "list"], want: { kind: "keys list", json: false } }],
    [
      "keys list --json",
      { given: ["keys", "list", "--json"], want: { kind: "keys list", json: true } },
    ],
    [
      "keys revoke",
      { given: ["keys", "revoke", "abc"], want: { kind: "keys revoke", keyId: "abc" } },
    ],
    ["backup", { given: ["backup", "b.db"], want: { kind: "backup", file: "b.db" } }],
    [
      "a file named like an option after --",
      { given: ["backup", "--", "-b.db"], want: { kind: "backup", file: "-b.db" } },
    ],
    ["--help wins over the rest", { given: ["keys", "frob", "--help"], want: { kind: "help" } }],
    ["-h", { given: ["-h"], want: { kind: "help" } }],
    ["--version", { given: ["--version"], want: { kind: "version" } }],
  ])("%s", (_name, { given, want }) => {
    expect(parseAdminArgs(given)).toEqual(want);
  });

  it.each<[string, { given: string[]; want: string }]>([
    ["no command", { given: [], want: "missing command" }],
    ["an unknown command", { given: ["frobnicate"], want: 'unknown command "frobnicate"' }],
    ["keys alone", { given: ["keys"], want: "keys needs a command: create, list or revoke" }],
    [
      "an unknown keys command",
      { given: ["keys", "delete"], want: 'unknown command "keys delete"' },
    ],
    [
      "create without a workspace",
      { given: ["keys", "create"], want: "keys create needs --workspace <name>" },
    ],
    [
      "an empty workspace",
      { given: ["keys", "create", "--workspace="], want: "keys create needs --workspace <name>" },
    ],
    [
      "--workspace without its value",
      { given: ["keys", "create", "--workspace"], want: "--workspace needs a value" },
    ],
    [
      "--workspace followed by an option",
      { given: ["keys", "create", "--workspace", "--json"], want: "--workspace needs a value" },
    ],
    [
      "a short option we lack",
      {
        given: ["keys", "create", "-w", "acme"],
        want: "unknown option -w (did you mean --workspace?)",
      },
    ],
    ["an unknown long option", { given: ["keys", "list", "--all"], want: "unknown option --all" }],
    [
      "another command's option",
      {
        given: ["keys", "list", "--workspace", "acme"],
        want: "--workspace is not an option of keys list",
      },
    ],
    ["a value on a flag", { given: ["keys", "list", "--json=yes"], want: "--json takes no value" }],
    [
      "an option twice",
      {
        given: ["keys", "create", "--workspace", "a", "--workspace", "b"],
        want: "--workspace is given twice",
      },
    ],
    [
      "an extra argument to keys list",
      { given: ["keys", "list", "acme"], want: 'keys list takes no arguments; unexpected "acme"' },
    ],
    [
      "an extra argument to keys create",
      {
        given: ["keys", "create", "acme", "--workspace", "acme"],
        want: 'keys create takes no arguments; unexpected "acme"',
      },
    ],
    ["revoke without a key id", { given: ["keys", "revoke"], want: "keys revoke needs <key-id>" }],
    [
      "revoke with two key ids",
      {
        given: ["keys", "revoke", "a", "b"],
        want: 'keys revoke takes only <key-id>; unexpected "b"',
      },
    ],
    ["backup without a file", { given: ["backup"], want: "backup needs <file>" }],
    [
      "backup with two files",
      { given: ["backup", "a.db", "b.db"], want: 'backup takes only <file>; unexpected "b.db"' },
    ],
  ])("refuses %s in one line", (_name, { given, want }) => {
    let error: unknown;
    try {
      parseAdminArgs(given);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(want);
  });
});
