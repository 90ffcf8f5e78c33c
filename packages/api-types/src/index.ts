/** Types of the Contacts API, generated from openapi.yaml (see ./generated/schema.ts). */
export type { components, operations, paths } from "./generated/schema.js";

import type { components } from "./generated/schema.js";

export type Contact = components["schemas"]["Contact"];
export type CreateContactRequest = components["schemas"]["CreateContactRequest"];
export type UpdateContactRequest = components["schemas"]["UpdateContactRequest"];
export type ContactList = components["schemas"]["ContactList"];
export type ApiErrorBody = components["schemas"]["Error"];
export type ErrorCode = ApiErrorBody["code"];
export type UsageEvent = components["schemas"]["UsageEvent"];
export type RecordUsageRequest = components["schemas"]["RecordUsageRequest"];
export type RecordUsageResponse = components["schemas"]["RecordUsageResponse"];
export type UsageBucket = components["schemas"]["UsageBucket"];
export type UsageSeries = components["schemas"]["UsageSeries"];
export type TopContact = components["schemas"]["TopContact"];
export type TopContactList = components["schemas"]["TopContactList"];
export type Metrics = components["schemas"]["Metrics"];
