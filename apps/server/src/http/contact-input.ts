/**
 * Request bodies and headers both surfaces share, mapped to the domain's terms: the create body,
 * the merge patch (the same schemas serve /v2/contacts and /v2/identities) and If-Match.
 */
import type { CreateContactRequest, UpdateContactRequest } from "@contacts/api-types";
import type { ContactPatch, Metadata } from "../contacts/contact.js";
import { assertStorableBody } from "../contacts/contact-rules.js";
import type { NewContactInput, Precondition } from "../contacts/contact-service.js";
import { ifMatchLists } from "./etag.js";

/** A create body as the domain takes it, after the checks the schema cannot make. */
export function newContactInput(body: CreateContactRequest): NewContactInput {
  assertStorableBody(body);
  return {
    externalId: body.external_id,
    displayName: body.display_name,
    email: body.email,
    avatarUrl: body.avatar_url,
    tags: body.tags,
    metadata: body.metadata as Metadata | undefined,
  };
}

/** A merge patch body as the domain takes it: absent stays absent, null clears. */
export function contactPatch(body: UpdateContactRequest = {}): ContactPatch {
  assertStorableBody(body);
  const patch: ContactPatch = {};
  if (body.display_name !== undefined) patch.displayName = body.display_name;
  if (body.email !== undefined) patch.email = body.email;
  if (body.avatar_url !== undefined) patch.avatarUrl = body.avatar_url;
  if (body.tags !== undefined) patch.tags = body.tags;
  if (body.metadata !== undefined) patch.metadata = body.metadata as Metadata | null;
  return patch;
}

/**
 * If-Match as a domain precondition: a tag of the contact's current version must be listed (or
 * `*`), whatever metrics digest it carries.
 */
export function ifMatchPrecondition(ifMatch: string | undefined): Precondition | undefined {
  return ifMatch === undefined ? undefined : (current) => ifMatchLists(ifMatch, current);
}
