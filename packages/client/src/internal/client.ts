import type { paths } from "@contacts/api-types";
import createClient from "openapi-fetch";
import { type ContactsResource, contactsResource } from "./contacts.js";
import { nodeVersion, readEnv } from "./environment.js";
import { type IdentitiesResource, identitiesResource } from "./identities.js";
import { createLog, type Logger, type LogLevel } from "./logging.js";
import { checkMaxRetries, checkTimeout, type Hooks, type Transport } from "./request.js";
import { sleep } from "./retry.js";
import type { ContactsRawClient, FetchLike } from "./types.js";
import { type UsageResource, usageResource } from "./usage.js";
import { VERSION } from "./version.js";

export interface ContactsClientOptions {
  /**
   * The server's root URL, e.g. `http://localhost:3000` (not `…/v2`: the client adds it). In
   * Node, defaults to the `CONTACTS_BASE_URL` environment variable.
   */
  baseUrl?: string | undefined;
  /**
   * An API key from `npm run --silent admin -- keys create --workspace <name>`. In Node, defaults to the
   * `CONTACTS_API_KEY` environment variable.
   */
  apiKey?: string | undefined;
  /** A fetch to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: FetchLike | undefined;
  /** How many times a failed call is retried when that is safe; 0 disables retries. Default 2. */
  maxRetries?: number | undefined;
  /** How long one attempt may take, in milliseconds (`Infinity`: no limit). Default 60 000. */
  timeoutMs?: number | undefined;
  /** Extra headers sent with every request. */
  headers?: Record<string, string> | undefined;
  /**
   * Where the client logs its requests and responses (`debug`) and retries (`info`): method,
   * URL, status, timing and request id, never headers (so never the API key) nor bodies.
   * Default `console`.
   */
  logger?: Logger | undefined;
  /** The least severe level logged: `debug`, `info`, `warn`, `error` or `off`. Default `warn`. */
  logLevel?: LogLevel | undefined;
}

/** The client: `contacts` and `identities` for the API's operations, `raw` for openapi-fetch. */
export interface ContactsClient {
  /** Create, list, retrieve, update and delete contacts, with typed errors, paging and retries. */
  readonly contacts: ContactsResource;
  /** Record usage events and list the top contacts (`contacts.usage` gives one's series). */
  readonly usage: UsageResource;
  /**
   * The same records through /v2/identities (orq.ai's current API): `{ identity }` unwrapped,
   * `filter_by.tags` (any of), `sort_by`, with the same errors, paging and retries.
   */
  readonly identities: IdentitiesResource;
  /**
   * The typed openapi-fetch client, for anything `contacts` does not wrap. It sends the API key
   * and the client's headers through the client's fetch, but neither retries nor throws.
   */
  readonly raw: ContactsRawClient;
}

export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_LOG_LEVEL: LogLevel = "warn";

const defaultHooks: Hooks = {
  sleep,
  random: Math.random,
  now: Date.now,
  randomUUID,
};

/** Builds a client; tests pass their own hooks (sleep, clock, randomness, ids). */
export function buildContactsClient(
  options: ContactsClientOptions = {},
  hooks: Partial<Hooks> = {},
): ContactsClient {
  const baseUrl = checkBaseUrl(options.baseUrl ?? readEnv("CONTACTS_BASE_URL"));
  const apiKey = options.apiKey ?? readEnv("CONTACTS_API_KEY");
  if (!apiKey) {
    throw new TypeError(
      "createContactsClient: `apiKey` is required (or, in Node, set CONTACTS_API_KEY)",
    );
  }
  const maxRetries = checkMaxRetries(options.maxRetries ?? DEFAULT_MAX_RETRIES);
  const timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const log = createLog(options.logger ?? console, options.logLevel ?? DEFAULT_LOG_LEVEL);
  const fetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const raw = createClient<paths>({
    baseUrl,
    headers: { ...identityHeaders(), ...options.headers, Authorization: `Bearer ${apiKey}` },
    fetch,
  });
  const transport: Transport = {
    raw,
    fetch,
    maxRetries,
    timeoutMs,
    hooks: { ...defaultHooks, ...hooks },
    log,
  };
  return {
    contacts: contactsResource(transport),
    usage: usageResource(transport),
    identities: identitiesResource(transport),
    raw,
  };
}

/**
 * `baseUrl` without its trailing slashes, if it is the root URL of a server: absolute http(s),
 * no credentials, query or fragment, and not ending in `/v2` (the client adds `/v2/…` itself, and
 * `…/v2/v2/contacts` would only ever answer 404). Throws a TypeError saying what to write instead:
 * a wrong URL is a setting to fix, not a failure to retry.
 */
export function checkBaseUrl(value: string | undefined): string {
  const fail = (problem: string): never => {
    throw new TypeError(`createContactsClient: baseUrl ${problem}`);
  };
  if (!value) return fail("is required (or, in Node, set CONTACTS_BASE_URL)");
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    return fail(
      `must be an absolute http:// or https:// URL such as "http://localhost:3000", got "${value}"`,
    );
  }
  if (url.username || url.password) return fail("must not hold credentials: use apiKey");
  if (url.search || url.hash) return fail(`must not have a query or fragment, got "${value}"`);
  const path = url.pathname.replace(/\/+$/, "");
  if (/\/v2(\/contacts)?$/.test(path)) {
    const root = `${url.origin}${path.replace(/\/v2(\/contacts)?$/, "")}`;
    return fail(
      `must be the server's root URL, without /v2 (the client adds it): use "${root}", not "${value}"`,
    );
  }
  return `${url.origin}${path}`;
}

/** Who is calling: the package's version, and in Node a User-Agent naming it and Node's. */
function identityHeaders(): Record<string, string> {
  const node = nodeVersion();
  return {
    "X-Contacts-Client": VERSION,
    ...(node !== undefined && { "User-Agent": `contacts-client/${VERSION} node/${node}` }),
  };
}

/** A random v4 UUID from the Web Crypto API (Node 20+, browsers; no Node built-in). */
export function randomUUID(): string {
  const crypto = globalThis.crypto;
  if (typeof crypto?.randomUUID === "function") return crypto.randomUUID();
  // Browsers outside a secure context have getRandomValues but not randomUUID.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
