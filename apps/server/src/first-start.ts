import type { ApiKeyStore } from "./auth/api-keys.js";

/**
 * On a database with no API key at all, creates workspace "default" with one key and returns
 * it; undefined when keys already exist. Runs before the server listens, so no request can
 * arrive before a key exists. The check and the creation are one transaction: of replicas
 * starting at once on an empty database, one makes the key and prints it.
 */
export async function ensureFirstApiKey(
  keys: ApiKeyStore,
  now: number,
): Promise<string | undefined> {
  if ((await keys.countKeys()) > 0) return undefined;
  return (await keys.createFirstKey("default", now))?.key;
}

/** What the operator reads once; printed on stderr, away from the JSON log stream on stdout. */
export function firstKeyMessage(key: string, baseUrl: string): string {
  return [
    "",
    'No API key existed, so one was created for workspace "default". It is shown only this once:',
    "",
    `  ${key}`,
    "",
    `Use it as:  curl -H "Authorization: Bearer ${key}" ${baseUrl}/v2/contacts`,
    "More keys: contacts-admin keys create --workspace <name>",
    "           (in a checkout: npm run --silent admin -- keys create --workspace <name>)",
    "",
  ].join("\n");
}
