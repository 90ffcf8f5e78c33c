/**
 * What the client reads from where it runs. Only Node (and runtimes that mimic it) have
 * `process`; in a browser every read here is undefined. `globalThis` keeps the package free of
 * Node's types, so it compiles for browsers as it is.
 */
interface NodeLikeProcess {
  env?: Record<string, string | undefined>;
  versions?: { node?: string };
}

function nodeProcess(): NodeLikeProcess | undefined {
  return (globalThis as { process?: NodeLikeProcess }).process;
}

/** An environment variable, if there is an environment and it is set to something. */
export function readEnv(name: string): string | undefined {
  const value = nodeProcess()?.env?.[name]?.trim();
  return value ? value : undefined;
}

/** Node's version (`20.19.0`) when running in Node; undefined in browsers. */
export function nodeVersion(): string | undefined {
  const version = nodeProcess()?.versions?.node;
  return typeof version === "string" ? version : undefined;
}
