import type { paths } from "@contacts/api-types";
import createClient, { type Client } from "openapi-fetch";

export type {
  ApiErrorBody,
  Contact,
  ContactList,
  CreateContactRequest,
  components,
  ErrorCode,
  operations,
  paths,
  UpdateContactRequest,
} from "@contacts/api-types";

export interface ContactsClientOptions {
  /** Where the server is, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** An API key from `npm run admin -- keys create --workspace <name>`. */
  apiKey: string;
  /** A fetch implementation to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: typeof globalThis.fetch;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
}

/** The typed openapi-fetch client for every path of the Contacts API. */
export type ContactsRawClient = Client<paths>;

/**
 * Creates a typed client for the Contacts API: every path, parameter and body is checked against
 * openapi.yaml at compile time.
 */
export function createContactsClient(options: ContactsClientOptions): ContactsRawClient {
  return createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { ...options.headers, Authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch && { fetch: options.fetch }),
  });
}
