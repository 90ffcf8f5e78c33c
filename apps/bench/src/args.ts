// A tiny flag parser: the bench scripts take a handful of `--name value` / `--flag` options and
// pulling in a CLI library for that is not worth a dependency.

/** Parsed `--name value` and `--flag` options. */
export interface Args {
  flag(name: string): boolean;
  number(name: string, fallback: number): number;
  string(name: string, fallback: string): string;
  list(name: string, fallback: readonly string[]): string[];
}

/** Parses argv; throws on an option outside `known`, so a typo never silently runs the defaults. */
export function parseArgs(argv: readonly string[], known: readonly string[]): Args {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const match = /^--([a-z][a-z-]*)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new Error(`unexpected argument "${arg}"`);
    const name = match[1];
    if (!known.includes(name)) {
      throw new Error(`unknown option --${name} (known: ${known.map((k) => `--${k}`).join(" ")})`);
    }
    const next = argv[i + 1];
    if (match[2] !== undefined) values.set(name, match[2]);
    else if (next !== undefined && !next.startsWith("--")) {
      values.set(name, next);
      i++;
    } else values.set(name, "true");
  }
  return {
    flag: (name) => values.get(name) === "true",
    number: (name, fallback) => {
      const raw = values.get(name);
      if (raw === undefined) return fallback;
      const value = Number(raw.replaceAll("_", ""));
      if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
      return value;
    },
    string: (name, fallback) => values.get(name) ?? fallback,
    list: (name, fallback) => {
      const raw = values.get(name);
      return raw === undefined ? [...fallback] : raw.split(",").filter(Boolean);
    },
  };
}
