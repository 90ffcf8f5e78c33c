import type { paths } from "@contacts/api-types";
import createClient from "openapi-fetch";
import { type ContactsResource, contactsResource } from "./contacts.js";
import { type IdentitiesResource, identitiesResource } from "./identities.js";
import { checkMaxRetries, checkTimeout, type Hooks, type Transport } from "./request.js";
import { sleep } from "./retry.js";
import type { ContactsRawClient, FetchLike } from "./types.js";

export interface ContactsClientOptions {
  /** Where the server is, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** An API key from `npm run admin -- keys create --workspace <name>`. */
  apiKey: string;
  /** A fetch to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: FetchLike | undefined;
  /** How many times a failed call is retried when that is safe; 0 disables retries. Default 2. */
  maxRetries?: number | undefined;
  /** How long one attempt may take, in milliseconds (`Infinity`: no limit). Default 60 000. */
  timeoutMs?: number | undefined;
  /** Extra headers sent with every request. */
  headers?: Record<string, string> | undefined;
}

/** The client: `contacts` and `identities` for the API's operations, `raw` for openapi-fetch. */
export interface ContactsClient {
  /** Create, list, retrieve, update and delete contacts, with typed errors, paging and retries. */
  readonly contacts: ContactsResource;
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

const defaultHooks: Hooks = {
  sleep,
  random: Math.random,
  now: Date.now,
  randomUUID,
};

/** Builds a client; tests pass their own hooks (sleep, clock, randomness, ids). */
export function buildContactsClient(
  options: ContactsClientOptions,
  hooks: Partial<Hooks> = {},
): ContactsClient {
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!options.baseUrl) throw new TypeError("createContactsClient: `baseUrl` is required");
  if (!options.apiKey) throw new TypeError("createContactsClient: `apiKey` is required");
  checkMaxRetries(maxRetries);
  checkTimeout(timeoutMs);
  const fetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const raw = createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { ...options.headers, Authorization: `Bearer ${options.apiKey}` },
    fetch,
  });
  const transport: Transport = {
    raw,
    fetch,
    maxRetries,
    timeoutMs,
    hooks: { ...defaultHooks, ...hooks },
  };
  return {
    contacts: contactsResource(transport),
    identities: identitiesResource(transport),
    raw,
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
