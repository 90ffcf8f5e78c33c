/**
 * The admin CLI's command line: parsed into one command, or refused with a one-line reason that
 * names what was wrong (an unknown command or option, a missing or extra argument).
 */
import { parseArgs } from "node:util";

export const ADMIN_USAGE = `Usage: contacts-admin <command> [options]
       (in a checkout: npm run --silent admin -- <command> [options])

Commands:
  keys create --workspace <name> [--create-database]
                      create the workspace if needed and a key in it; prints only the key
  keys list [--json]  list keys (id, workspace, created, revoked), never the secrets
  keys revoke <key-id>
                      revoke a key at once
  backup <file>       consistent copy of the database, safe while the server runs
  import <file> --workspace <name> [--format jsonl|csv] [--mode create|upsert]
         [--dry-run] [--rejects <file>] [--json]
                      import contacts from JSON Lines or CSV (header external_id,display_name,
                      email,avatar_url,tags,metadata); exit 3 if any line was rejected
  import --from-orq <base-url> --orq-api-key <key> --workspace <name> [...]
                      import every contact of an orq.ai-compatible GET /v2/contacts
  export <file|-> --workspace <name> [--format jsonl|csv]
                      every contact, oldest first, in the import format

Options:
  --url <base-url> --api-key <key>
                      import or export through a server's API instead of the database
                      (the key names the workspace: no --workspace)
  --create-database   let keys create make a new database at DATABASE_URL
                      (not needed at the server's default ./data/contacts.db)
  -h, --help          show this help
  --version           print the version

Reads DATABASE_URL like the server (default ./data/contacts.db) and says on stderr which
database it uses. Only keys create makes a database, and only where the server would.`;

export type AdminCommand =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "keys create"; workspace: string; createDatabase: boolean }
  | { kind: "keys list"; json: boolean }
  | { kind: "keys revoke"; keyId: string }
  | { kind: "backup"; file: string }
  | ImportCommand
  | ExportCommand;

export type BulkFormat = "jsonl" | "csv";

/** Where an import or export goes: the database (a workspace by name) or a server's API. */
export type BulkTarget =
  | { kind: "database"; workspace: string }
  | { kind: "api"; url: string; apiKey: string };

export interface ImportCommand {
  kind: "import";
  /** A file (`-`: stdin), or another server's contacts. */
  source:
    | { kind: "file"; file: string; format: BulkFormat }
    | { kind: "orq"; baseUrl: string; apiKey: string };
  target: BulkTarget;
  mode: "create" | "upsert";
  dryRun: boolean;
  rejects: string | undefined;
  json: boolean;
  /** Lines per transaction (or per request through the API). */
  batchSize: number | undefined;
}

export interface ExportCommand {
  kind: "export";
  /** `-` is stdout. */
  file: string;
  format: BulkFormat;
  target: BulkTarget;
}

/** A command line the CLI cannot run; `message` is one line. */
export class UsageError extends Error {
  override name = "UsageError";
}

const OPTIONS = {
  workspace: { type: "string" },
  "create-database": { type: "boolean" },
  json: { type: "boolean" },
  format: { type: "string" },
  mode: { type: "string" },
  "dry-run": { type: "boolean" },
  rejects: { type: "string" },
  "batch-size": { type: "string" },
  url: { type: "string" },
  "api-key": { type: "string" },
  "from-orq": { type: "string" },
  "orq-api-key": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;
type OptionName = keyof typeof OPTIONS;

/** Each command: its options and the names of its positional arguments. */
const COMMANDS = {
  "keys create": { options: ["workspace", "create-database"], args: [] },
  "keys list": { options: ["json"], args: [] },
  "keys revoke": { options: [], args: ["<key-id>"] },
  backup: { options: [], args: ["<file>"] },
  import: {
    options: [
      "workspace",
      "format",
      "mode",
      "dry-run",
      "rejects",
      "json",
      "batch-size",
      "url",
      "api-key",
      "from-orq",
      "orq-api-key",
    ],
    args: ["<file>"],
  },
  export: { options: ["workspace", "format", "url", "api-key"], args: ["<file|->"] },
} as const satisfies Record<string, { options: readonly OptionName[]; args: readonly string[] }>;
type CommandName = keyof typeof COMMANDS;

/** Parses the arguments after the program name; throws a UsageError on anything it cannot run. */
export function parseAdminArgs(argv: readonly string[]): AdminCommand {
  const { tokens, positionals } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const given = new Map<OptionName, string | undefined>();
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    if (!isOptionName(token.name)) throw new UsageError(unknownOption(token.rawName));
    if (given.has(token.name)) throw new UsageError(`${token.rawName} is given twice`);
    const { type } = OPTIONS[token.name];
    if (type === "boolean" && token.value !== undefined) {
      throw new UsageError(`${token.rawName} takes no value`);
    }
    // parseArgs takes `--workspace --json` as workspace "--json": an option, not a name.
    if (type === "string" && (token.value === undefined || isOption(token, token.value))) {
      throw new UsageError(`${token.rawName} needs a value`);
    }
    given.set(token.name, token.value);
  }
  if (given.has("help")) return { kind: "help" };
  if (given.has("version")) return { kind: "version" };

  const name = commandName(positionals);
  const spec = COMMANDS[name];
  const args = positionals.slice(name.split(" ").length);
  // An import from another server reads no file.
  const expected = name === "import" && given.has("from-orq") ? [] : spec.args;
  for (const option of given.keys()) {
    if (!(spec.options as readonly string[]).includes(option)) {
      throw new UsageError(`--${option} is not an option of ${name}`);
    }
  }
  if (args.length < expected.length) {
    throw new UsageError(`${name} needs ${expected.join(" ")}`);
  }
  if (args.length > expected.length) {
    const extra = args
      .slice(expected.length)
      .map((arg) => JSON.stringify(arg))
      .join(" ");
    const takes = expected.length === 0 ? "no arguments" : `only ${expected.join(" ")}`;
    throw new UsageError(`${name} takes ${takes}; unexpected ${extra}`);
  }

  switch (name) {
    case "keys create": {
      const workspace = given.get("workspace")?.trim();
      if (!workspace) throw new UsageError("keys create needs --workspace <name>");
      return { kind: name, workspace, createDatabase: given.has("create-database") };
    }
    case "keys list":
      return { kind: name, json: given.has("json") };
    case "keys revoke":
      return { kind: name, keyId: args[0] as string };
    case "backup":
      return { kind: name, file: args[0] as string };
    case "import":
      return importCommand(given, args[0]);
    case "export": {
      const file = args[0] as string;
      return { kind: name, file, format: formatOf(given, file), target: targetOf(given, name) };
    }
  }
}

function importCommand(given: Map<OptionName, string | undefined>, file: string | undefined) {
  const fromOrq = given.get("from-orq");
  const orqKey = given.get("orq-api-key");
  if (fromOrq !== undefined && orqKey === undefined) {
    throw new UsageError("--from-orq needs --orq-api-key <key>");
  }
  if (orqKey !== undefined && fromOrq === undefined) {
    throw new UsageError("--orq-api-key goes with --from-orq <base-url>");
  }
  if (fromOrq !== undefined && given.has("format")) {
    throw new UsageError("--format is for files; --from-orq reads the API");
  }
  const mode = given.get("mode") ?? "create";
  if (mode !== "create" && mode !== "upsert") {
    throw new UsageError(`--mode must be create or upsert, not ${JSON.stringify(mode)}`);
  }
  const batch = given.get("batch-size");
  const batchSize = batch === undefined ? undefined : Number(batch);
  if (
    batchSize !== undefined &&
    !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 10_000)
  ) {
    throw new UsageError("--batch-size must be a whole number from 1 to 10000");
  }
  const command: ImportCommand = {
    kind: "import",
    source:
      fromOrq !== undefined
        ? { kind: "orq", baseUrl: urlOf(fromOrq, "--from-orq"), apiKey: orqKey as string }
        : { kind: "file", file: file as string, format: formatOf(given, file as string) },
    target: targetOf(given, "import"),
    mode,
    dryRun: given.has("dry-run"),
    rejects: given.get("rejects"),
    json: given.has("json"),
    batchSize,
  };
  if (command.dryRun && command.target.kind === "api") {
    throw new UsageError("--dry-run works on the database, not through --url");
  }
  return command;
}

/** --format, or the file's extension (.csv), or JSON Lines. */
function formatOf(given: Map<OptionName, string | undefined>, file: string): BulkFormat {
  const format = given.get("format") ?? (/\.csv$/i.test(file) ? "csv" : "jsonl");
  if (format !== "jsonl" && format !== "csv") {
    throw new UsageError(`--format must be jsonl or csv, not ${JSON.stringify(format)}`);
  }
  return format;
}

/** The database's workspace, or a server's API with its key. */
function targetOf(given: Map<OptionName, string | undefined>, name: string): BulkTarget {
  const url = given.get("url");
  const apiKey = given.get("api-key");
  if (url !== undefined || apiKey !== undefined) {
    if (url === undefined) throw new UsageError("--api-key goes with --url <base-url>");
    if (apiKey === undefined) throw new UsageError("--url needs --api-key <key>");
    if (given.has("workspace")) {
      throw new UsageError("--workspace is for the database; through --url the key names it");
    }
    return { kind: "api", url: urlOf(url, "--url"), apiKey };
  }
  const workspace = given.get("workspace")?.trim();
  if (!workspace) throw new UsageError(`${name} needs --workspace <name> (or --url and --api-key)`);
  return { kind: "database", workspace };
}

function urlOf(value: string, option: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return value.replace(/\/+$/, "");
  } catch {
    // refused below
  }
  throw new UsageError(`${option} must be an http(s) URL, not ${JSON.stringify(value)}`);
}

function commandName(positionals: readonly string[]): CommandName {
  const [group, command] = positionals;
  if (group === undefined) throw new UsageError("missing command");
  if (group === "backup" || group === "import" || group === "export") return group;
  if (group !== "keys") throw new UsageError(`unknown command ${JSON.stringify(group)}`);
  if (command === undefined) throw new UsageError("keys needs a command: create, list or revoke");
  const name = `keys ${command}`;
  if (!(name in COMMANDS)) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  return name as CommandName;
}

function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name);
}

/** Whether a string option's value is really the next option (`--workspace --json`). */
function isOption(token: { inlineValue?: boolean | undefined }, value: string): boolean {
  return token.inlineValue === false && value.startsWith("-");
}

/** "unknown option -w (did you mean --workspace?)": a short form we do not have, spelled out. */
function unknownOption(rawName: string): string {
  const letter = /^-([a-z])$/i.exec(rawName)?.[1];
  const guess = letter && Object.keys(OPTIONS).find((name) => name.startsWith(letter));
  return `unknown option ${rawName}${guess ? ` (did you mean --${guess}?)` : ""}`;
}
