/** Errors the contacts domain throws; the HTTP layer renders each one in one place. */

export interface FieldProblem {
  /** JSON pointer of the failing value, as `/body/metadata`. */
  path: string;
  message: string;
  /** Set when the problem has an error code of its own (the response's `code`). */
  code?: "immutable_field";
}

/** Input that passes the schema but breaks a rule the schema cannot express. */
export class ContactValidationError extends Error {
  override readonly name = "ContactValidationError";
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.path} ${p.message}`).join("; "));
  }
}

export class ContactNotFoundError extends Error {
  override readonly name = "ContactNotFoundError";
  constructor(readonly ref: string) {
    super(`Contact not found: ${ref}`);
  }
}

export class ExternalIdConflictError extends Error {
  override readonly name = "ExternalIdConflictError";
  constructor(
    readonly externalId: string,
    readonly existingId: string,
  ) {
    super(`A contact with external_id ${JSON.stringify(externalId)} already exists`);
  }
}

/** An If-Match precondition did not hold: the contact changed since the client read it. */
export class PreconditionFailedError extends Error {
  override readonly name = "PreconditionFailedError";
  constructor(readonly ref: string) {
    super(`Contact ${ref} does not match If-Match: it changed since it was read`);
  }
}

/**
 * A list call whose filters would make the store examine more candidates than it allows: each
 * filter alone matches many contacts, together few (or a 2-character term in a large workspace).
 */
export class QueryTooBroadError extends Error {
  override readonly name = "QueryTooBroadError";
  constructor() {
    super(
      "This search and tag combination matches too many contacts on its own to be filtered within the limit; use a longer search term or a rarer tag",
    );
  }
}

/**
 * A store keeps each workspace's contacts in id order and refuses an id that is not the
 * workspace's greatest (another process created a contact with a later id in the same
 * millisecond, or the clock moved back). The creator retries with an id after `newestId`.
 */
export class ContactIdNotIncreasingError extends Error {
  override readonly name = "ContactIdNotIncreasingError";
  constructor(
    readonly id: string,
    readonly newestId: string,
  ) {
    super(`Contact id ${id} is not after the workspace's newest id ${newestId}`);
  }
}

/**
 * A workspace already has as many calls on the list workers (filtered lists, top lists over
 * periods other than the window) running or waiting as it may.
 */
export class ListQueueFullError extends Error {
  override readonly name = "ListQueueFullError";
  constructor(readonly limit: number) {
    super(
      "Too many search, tag-filtered or usage top list calls in flight for this workspace; retry in 1 s",
    );
  }
}

/** A list cursor under a sorted order names no contact of the workspace (see ListContactsQuery). */
export class CursorNotFoundError extends Error {
  override readonly name = "CursorNotFoundError";
  constructor(
    readonly cursor: string,
    readonly parameter: "startingAfter" | "endingBefore",
  ) {
    super(`Cursor ${cursor} names no contact of this workspace`);
  }
}
