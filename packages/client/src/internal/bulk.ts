/**
 * Bulk import and export (`contacts.import`, `contacts.export`): lines go up in chunks, one
 * `POST /v2/contacts/import` each, retried safely (a chunk sent twice is skipped or unchanged the
 * second time); contacts come down as one JSON Lines stream, parsed as they arrive.
 */
import { ApiError, ConnectionError } from "./errors.js";
import { type RequestOptions, send, type Transport } from "./request.js";
import { headersOf } from "./results.js";
import type { CreateContactRequest, ImportLineError, ImportMode, ImportResult } from "./types.js";

/** The most lines a chunk may have: the server describes at most 1000 rejected lines an answer. */
export const MAX_IMPORT_CHUNK = 1000;

/** Options of `contacts.import`. */
export interface ImportOptions extends RequestOptions {
  /** `create` (default) skips external_ids the workspace has; `upsert` merges into them. */
  mode?: ImportMode | undefined;
  /** Lines per request, 1–1000 (1000 by default). */
  chunkLines?: number | undefined;
  /** After each chunk: the running totals and that chunk's rejected lines. Awaited. */
  onProgress?: ((progress: ContactsImportProgress) => void | Promise<void>) | undefined;
}

/**
 * What an import did. `lines` counts the items sent; `errors[].line` is an item's position in
 * the iterable, from 1. `errors` keeps the first 1000 (`rejected` counts them all; `onProgress`
 * sees every one). A chunk retried after the server applied part of it counts that part as
 * skipped or unchanged.
 */
export interface ContactsImportResult extends Omit<ImportResult, "errors"> {
  lines: number;
  errors: ImportLineError[];
}

export interface ContactsImportProgress extends ContactsImportResult {
  /** The rejected lines of the chunk just answered. */
  newErrors: ImportLineError[];
}

/** An import line: a create body, or its JSON text (one line, sent as is for the server to judge). */
export type ImportItem = CreateContactRequest | string;

export async function importContacts(
  transport: Transport,
  items: Iterable<ImportItem> | AsyncIterable<ImportItem>,
  options: ImportOptions = {},
): Promise<ContactsImportResult> {
  const chunkLines = options.chunkLines ?? MAX_IMPORT_CHUNK;
  if (!Number.isInteger(chunkLines) || chunkLines < 1 || chunkLines > MAX_IMPORT_CHUNK) {
    throw new RangeError(`chunkLines must be a whole number from 1 to ${MAX_IMPORT_CHUNK}`);
  }
  const total: ContactsImportResult = {
    lines: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    rejected: 0,
    errors: [],
  };
  let chunk: string[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const offset = total.lines;
    const answer = await sendChunk(transport, `${chunk.join("\n")}\n`, options);
    total.lines += chunk.length;
    chunk = [];
    for (const key of ["created", "updated", "unchanged", "skipped", "rejected"] as const) {
      total[key] += answer[key];
    }
    const newErrors = answer.errors.map((error) => ({ ...error, line: error.line + offset }));
    total.errors.push(...newErrors.slice(0, MAX_IMPORT_CHUNK - total.errors.length));
    await options.onProgress?.({ ...total, errors: [...total.errors], newErrors });
  };
  for await (const item of items) {
    chunk.push(lineOf(item));
    if (chunk.length >= chunkLines) await flush();
  }
  await flush();
  return total;
}

function lineOf(item: ImportItem): string {
  if (typeof item !== "string") return JSON.stringify(item);
  // A line break would make two lines and shift every line number after it.
  if (/[\n\r]/.test(item)) throw new TypeError("an import line given as text must be one line");
  return item;
}

function sendChunk(transport: Transport, text: string, options: ImportOptions) {
  return send(
    transport,
    {
      retry: "safe",
      attempt: ({ signal, fetch }) =>
        transport.raw.POST("/v2/contacts/import", {
          params: { query: { mode: options.mode ?? "create" } },
          body: text,
          bodySerializer: () => text,
          signal,
          fetch,
          ...headersOf(options),
          headers: { ...options.headers, "content-type": "application/x-ndjson" },
        }),
    },
    options,
  ).then(({ data, response }) => {
    if (!data)
      throw new ApiError(response.status, undefined, response.headers, "response has no body");
    return data as ImportResult;
  });
}

/** Every contact of the workspace, oldest first, as import lines, read as the server streams them. */
export async function* exportContacts(
  transport: Transport,
  options: RequestOptions = {},
): AsyncGenerator<CreateContactRequest> {
  const { data, response } = await send(
    transport,
    {
      retry: "safe",
      attempt: ({ signal, fetch }) =>
        transport.raw.GET("/v2/contacts/export", {
          parseAs: "stream",
          signal,
          fetch,
          ...headersOf(options),
        }),
    },
    options,
  );
  const body = data as ReadableStream<Uint8Array> | null | undefined;
  if (!body)
    throw new ApiError(response.status, undefined, response.headers, "response has no body");
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pending = "";
  try {
    for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
      pending += decoder.decode(bytes, { stream: true });
      let end = pending.indexOf("\n");
      while (end !== -1) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        if (line !== "") yield JSON.parse(line) as CreateContactRequest;
        end = pending.indexOf("\n");
      }
    }
  } catch (cause) {
    if (cause instanceof SyntaxError) throw cause;
    throw new ConnectionError("Connection error: the export stream broke", { cause });
  }
  pending += decoder.decode();
  if (pending !== "")
    throw new ConnectionError("Connection error: the export stream ended mid-line");
}
