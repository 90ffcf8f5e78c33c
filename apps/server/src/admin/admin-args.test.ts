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
    [
      "import, defaults (format from the extension)",
      {
        given: ["import", "people.CSV", "--workspace", "acme"],
        want: {
          kind: "import",
          source: { kind: "file", file: "people.CSV", format: "csv" },
          target: { kind: "database", workspace: "acme" },
          mode: "create",
          dryRun: false,
          rejects: undefined,
          json: false,
          batchSize: undefined,
        },
      },
    ],
    [
      "import with every option",
      {
        given: [
          "import",
          "-",
          "--workspace",
          "acme",
          "--format",
          "jsonl",
          "--mode",
          "upsert",
          "--dry-run",
          "--rejects",
          "r.jsonl",
          "--json",
          "--batch-size",
          "500",
        ],
        want: {
          kind: "import",
          source: { kind: "file", file: "-", format: "jsonl" },
          target: { kind: "database", workspace: "acme" },
          mode: "upsert",
          dryRun: true,
          rejects: "r.jsonl",
          json: true,
          batchSize: 500,
        },
      },
    ],
    [
      "import --from-orq through a server",
      {
        given: [
          "import",
          "--from-orq",
          "https://api.orq.ai/",
          "--orq-api-key",
          "k",
          "--url",
          "http://127.0.0.1:3000",
          "--api-key",
          "ck",
        ],
        want: {
          kind: "import",
          source: { kind: "orq", baseUrl: "https://api.orq.ai", apiKey: "k" },
          target: { kind: "api", url: "http://127.0.0.1:3000", apiKey: "ck" },
          mode: "create",
          dryRun: false,
          rejects: undefined,
          json: false,
          batchSize: undefined,
        },
      },
    ],
    [
      "export to stdout as CSV",
      {
        given: ["export", "-", "--workspace", "acme", "--format", "csv"],
        want: {
          kind: "export",
          file: "-",
          format: "csv",
          target: { kind: "database", workspace: "acme" },
        },
      },
    ],
  ])("%s", (_name, { given, want }) => {
    expect(parseAdminArgs(given)).toEqual(want);
  });

  it.each<[string, { given: string[]; want: string }]>([
    ["no command", { given: [], want: "missing command" }],
    [
      "import without a file",
      { given: ["import", "--workspace", "a"], want: "import needs <file>" },
    ],
    [
      "import without a workspace",
      {
        given: ["import", "f.jsonl"],
        want: "import needs --workspace <name> (or --url and --api-key)",
      },
    ],
    [
      "import with an unknown mode",
      {
        given: ["import", "f", "--workspace", "a", "--mode", "merge"],
        want: '--mode must be create or upsert, not "merge"',
      },
    ],
    [
      "import with an unknown format",
      {
        given: ["import", "f", "--workspace", "a", "--format", "xml"],
        want: '--format must be jsonl or csv, not "xml"',
      },
    ],
    [
      "--workspace with --url",
      {
        given: ["export", "-", "--workspace", "a", "--url", "http://x", "--api-key", "k"],
        want: "--workspace is for the database; through --url the key names it",
      },
    ],
    [
      "--url without a key",
      { given: ["export", "-", "--url", "http://x"], want: "--url needs --api-key <key>" },
    ],
    [
      "--from-orq without its key",
      {
        given: ["import", "--from-orq", "http://x", "--workspace", "a"],
        want: "--from-orq needs --orq-api-key <key>",
      },
    ],
    [
      "--dry-run through --url",
      {
        given: ["import", "f", "--dry-run", "--url", "http://x", "--api-key", "k"],
        want: "--dry-run works on the database, not through --url",
      },
    ],
    [
      "a batch size out of range",
      {
        given: ["import", "f", "--workspace", "a", "--batch-size", "0"],
        want: "--batch-size must be a whole number from 1 to 10000",
      },
    ],
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
