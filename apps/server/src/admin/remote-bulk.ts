/**
 * Import and export through a server's API with the typed client (`--url`, `--api-key`): the
 * client chunks the lines into requests and retries them safely; the CLI keeps its progress and
 * rejects file. The client is loaded only here, when asked for: a release does not carry it.
 */
import type { CreateContactRequest } from "@contacts/api-types";
import type { ContactsImportResult } from "@contacts/client";
import type { LineRejection } from "../bulk/import-line-checker.js";
import type { ImportCounts } from "../bulk/import-runner.js";
import type { SourceLine } from "../bulk/json-lines.js";
import { BulkRefusalError } from "./bulk-refusal.js";

export interface RemoteImportOptions {
  url: string;
  apiKey: string;
  mode: "create" | "upsert";
  chunkLines?: number;
  onProgress: (counts: Readonly<ImportCounts>) => void;
  onRejected?: (rejection: LineRejection) => void | Promise<void>;
}

async function client(url: string, apiKey: string) {
  let module: typeof import("@contacts/client");
  try {
    module = await import("@contacts/client");
  } catch {
    throw new BulkRefusalError(
      "--url needs the @contacts/client package (a checkout has it; install it beside a release)",
    );
  }
  return module.createContactsClient({ baseUrl: url, apiKey });
}

/**
 * Sends the lines through `client.contacts.import`. Lines rejected before sending (unreadable
 * JSON or CSV) are the CLI's; the server judges the rest. Line numbers stay the file's.
 */
export async function remoteImport(
  lines: AsyncIterable<SourceLine>,
  options: RemoteImportOptions,
): Promise<ImportCounts> {
  const api = await client(options.url, options.apiKey);
  const local: LineRejection[] = [];
  // The file line of each item sent and not yet answered for: one chunk's worth at most.
  const lineOfItem = new Map<number, number>();
  let items = 0;
  let localRejected = 0;
  let read = 0;
  // Sent as JSON text: the server judges exactly the value read (a string too, not as a line).
  async function* values(): AsyncGenerator<string> {
    for await (const record of lines) {
      read++;
      if ("rejection" in record) {
        local.push({ line: record.line, ...record.rejection });
        localRejected++;
        continue;
      }
      lineOfItem.set(++items, record.line);
      yield JSON.stringify(record.value);
    }
  }
  const report = async (result: ContactsImportResult, errors: ContactsImportResult["errors"]) => {
    const pending = [
      ...local.splice(0),
      ...errors.map((error) => ({
        line: lineOfItem.get(error.line) ?? error.line,
        code: error.code,
        message: error.message,
        details: error.details ?? [],
      })),
    ].sort((a, b) => a.line - b.line);
    for (const rejection of pending) await options.onRejected?.(rejection);
    for (const item of lineOfItem.keys()) {
      if (item > result.lines) break;
      lineOfItem.delete(item);
    }
    options.onProgress(countsOf(result, read, localRejected));
  };
  const result = await refusing(
    api.contacts.import(values(), {
      mode: options.mode,
      ...(options.chunkLines !== undefined && { chunkLines: options.chunkLines }),
      onProgress: (progress) => report(progress, progress.newErrors),
    }),
  );
  await report(result, []);
  return countsOf(result, read, localRejected);
}

function countsOf(result: ContactsImportResult, read: number, localRejected: number): ImportCounts {
  return {
    read,
    created: result.created,
    updated: result.updated,
    unchanged: result.unchanged,
    skipped: result.skipped,
    rejected: result.rejected + localRejected,
  };
}

/** Every contact of the key's workspace through `client.contacts.export()`, oldest first. */
export async function* remoteExport(
  url: string,
  apiKey: string,
): AsyncGenerator<CreateContactRequest> {
  const api = await client(url, apiKey);
  const lines = api.contacts.export()[Symbol.asyncIterator]();
  for (;;) {
    const next = await refusing(lines.next());
    if (next.done) return;
    yield next.value;
  }
}

/** The server's answer or the connection's failure, said to the operator in one line. */
async function refusing<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const { ContactsError, ApiError } = await import("@contacts/client");
    if (!(error instanceof ContactsError)) throw error;
    const status =
      error instanceof ApiError
        ? ` (HTTP ${error.status}${error.code ? ` ${error.code}` : ""})`
        : "";
    throw new BulkRefusalError(`the server refused: ${error.message}${status}`);
  }
}
