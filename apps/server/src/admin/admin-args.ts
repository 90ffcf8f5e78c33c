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

Options:
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
  | { kind: "backup"; file: string };

/** A command line the CLI cannot run; `message` is one line. */
export class UsageError extends Error {
  override name = "UsageError";
}

const OPTIONS = {
  workspace: { type: "string" },
  "create-database": { type: "boolean" },
  json: { type: "boolean" },
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
  for (const option of given.keys()) {
    if (!(spec.options as readonly string[]).includes(option)) {
      throw new UsageError(`--${option} is not an option of ${name}`);
    }
  }
  if (args.length < spec.args.length) {
    throw new UsageError(`${name} needs ${spec.args.join(" ")}`);
  }
  if (args.length > spec.args.length) {
    const extra = args
      .slice(spec.args.length)
      .map((arg) => JSON.stringify(arg))
      .join(" ");
    const takes = spec.args.length === 0 ? "no arguments" : `only ${spec.args.join(" ")}`;
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
  }
}

function commandName(positionals: readonly string[]): CommandName {
  const [group, command] = positionals;
  if (group === undefined) throw new UsageError("missing command");
  if (group === "backup") return "backup";
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
