/** A bulk command refused after its command line was understood: one line on stderr, exit 1. */
export class BulkRefusalError extends Error {
  override readonly name = "BulkRefusalError";
}
