import type { ApiKeyStore } from "./auth/api-keys.js";

/**
 * On a database with no API key at all, creates workspace "default" with one key and returns a
 * message to print once; undefined when keys already exist.
 */
export async function ensureFirstApiKey(
  keys: ApiKeyStore,
  now: number,
  baseUrl: string,
): Promise<string | undefined> {
  if ((await keys.countKeys()) > 0) return undefined;
  const { key } = await keys.createKey("default", now);
  return [
    "",
    'No API key existed, so one was created for workspace "default". It is shown only this once:',
    "",
    `  ${key}`,
    "",
    `Use it as:  curl -H "Authorization: Bearer ${key}" ${baseUrl}/v2/contacts`,
    "More keys: npm run admin -- keys create --workspace <name>",
    "",
  ].join("\n");
}
