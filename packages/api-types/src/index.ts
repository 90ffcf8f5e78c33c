/** Types of the Contacts API, generated from openapi.yaml (see ./generated/schema.ts). */
export type { components, operations, paths } from "./generated/schema.js";

import type { components } from "./generated/schema.js";

export type Contact = components["schemas"]["Contact"];
export type CreateContactRequest = components["schemas"]["CreateContactRequest"];
export type UpdateContactRequest = components["schemas"]["UpdateContactRequest"];
export type ContactList = components["schemas"]["ContactList"];
export type ApiErrorBody = components["schemas"]["Error"];
export type ErrorCode = ApiErrorBody["code"];
export type Identity = components["schemas"]["Identity"];
export type IdentityResponse = components["schemas"]["IdentityResponse"];
export type IdentityList = components["schemas"]["IdentityList"];
export type IdentitySortField = components["schemas"]["IdentitySortField"];
