/** Errors the usage domain throws; the HTTP layer renders each one in one place. */
import type { FieldProblem } from "../contacts/contact-errors.js";

/** A batch with events the schema allows but the rules refuse (a timestamp too far ahead…). */
export class UsageValidationError extends Error {
  override readonly name = "UsageValidationError";
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.path} ${p.message}`).join("; "));
  }
}

/** An event names a contact `_id` that its workspace does not have; nothing was stored. */
export class UnknownContactError extends Error {
  override readonly name = "UnknownContactError";
  constructor(
    readonly eventIndex: number,
    readonly contactId: string,
  ) {
    super(`Event ${eventIndex} names contact ${contactId}, which does not exist`);
  }
}
