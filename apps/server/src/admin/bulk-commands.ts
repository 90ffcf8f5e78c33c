/**
 * The admin CLI's import and export: from a file (JSON Lines or CSV), or another server's API,
 * into the database or through a server's API; out of either into a file or stdout. Streams in
 * constant memory: one batch at a time in, one page at a time out.
 */

import { once } from "node:events";
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import type { CreateContactRequest } from "@contacts/api-types";
import { exportContacts, importLineOf, jsonLineOf } from "../bulk/contact-export.js";
import { csvExportLines, csvRecords } from "../bulk/csv-format.js";
import { ImportLineChecker, type LineRejection } from "../bulk/import-line-checker.js";
import { type ImportCounts, type ImportRunOptions, runImport } from "../bulk/import-runner.js";
import { jsonLines, type SourceLine } from "../bulk/json-lines.js";
import { orqContacts } from "../bulk/orq-source.js";
import { contactImporter } from "../contacts/contact-import.js";
import { createIdGenerator } from "../ids.js";
import type { Stores } from "../server-store.js";
import { loadSpec } from "../spec.js";
import type { BulkFormat, ExportCommand, ImportCommand } from "./admin-args.js";
import { BulkRefusalError } from "./bulk-refusal.js";
import { describeCounts, importProgress } from "./import-progress.js";
import { remoteExport, remoteImport } from "./remote-bulk.js";

export interface BulkIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Paths are relative to where the operator ran npm (INIT_CWD). */
  resolvePath: (file: string) => string;
  say: (line: string) => void;
}

/** Exit code of an import that rejected lines (the others all went in). */
export const EXIT_REJECTED = 3;

/** Runs an import; resolves to 0, or EXIT_REJECTED when any line was rejected. */
export async function runImportCommand(
  command: ImportCommand,
  stores: Stores | undefined,
  io: BulkIo,
): Promise<0 | 3> {
  const started = Date.now();
  const input = openSource(command, io);
  const rejects = command.rejects ? rejectsWriter(io.resolvePath(command.rejects)) : undefined;
  const progress = importProgress({ stream: io.stderr, totalBytes: input.totalBytes });
  const onProgress = (counts: Readonly<ImportCounts>) => progress.update(counts, input.bytesRead());
  const onRejected = rejects?.write;
  let counts: ImportCounts;
  try {
    if (command.target.kind === "api") {
      counts = await remoteImport(input.lines, {
        url: command.target.url,
        apiKey: command.target.apiKey,
        mode: command.mode,
        ...(command.batchSize !== undefined && { chunkLines: command.batchSize }),
        onProgress,
        ...(onRejected && { onRejected }),
      });
    } else {
      if (!stores) throw new Error("import into the database without a database");
      const workspaceId = await workspaceIdOf(stores, command.target.workspace);
      const options: ImportRunOptions = {
        importer: contactImporter({
          store: stores.contacts,
          ids: createIdGenerator(),
          now: Date.now,
        }),
        checker: new ImportLineChecker(loadSpec().document),
        workspaceId,
        mode: command.mode,
        dryRun: command.dryRun,
        onProgress,
        ...(onRejected && { onRejected }),
        ...(command.batchSize !== undefined && { batchSize: command.batchSize }),
      };
      counts = await runImport(input.lines, options);
    }
  } finally {
    progress.stop();
    await rejects?.close();
  }
  const seconds = (Date.now() - started) / 1000;
  const rate = Math.round(counts.read / Math.max(seconds, 0.001));
  const dry = command.dryRun ? " (dry run: nothing written)" : "";
  io.say(
    `import done${dry}: ${describeCounts(counts)} in ${seconds.toFixed(1)} s (${rate.toLocaleString("en-US")} lines/s)`,
  );
  if (rejects && counts.rejected > 0) io.say(`rejected lines are in ${rejects.path}`);
  if (command.json) {
    io.stdout.write(
      `${JSON.stringify({ ...counts, dry_run: command.dryRun, seconds, lines_per_second: rate })}\n`,
    );
  }
  return counts.rejected > 0 ? EXIT_REJECTED : 0;
}

/** Runs an export; resolves to 0 once the last line is written. */
export async function runExportCommand(
  command: ExportCommand,
  stores: Stores | undefined,
  io: BulkIo,
): Promise<0> {
  const toStdout = command.file === "-";
  const out = toStdout
    ? io.stdout
    : createWriteStream(io.resolvePath(command.file), { flags: "wx", mode: 0o600 });
  if (!toStdout) await openedOrRefused(out as ReturnType<typeof createWriteStream>, command.file);
  let lines: AsyncIterable<CreateContactRequest>;
  if (command.target.kind === "api") {
    lines = remoteExport(command.target.url, command.target.apiKey);
  } else {
    if (!stores) throw new Error("export from the database without a database");
    const workspaceId = await workspaceIdOf(stores, command.target.workspace);
    lines = mapAsync(exportContacts(stores.contacts, workspaceId), importLineOf);
  }
  let written = 0;
  const text = command.format === "csv" ? csvExportLines(lines) : mapAsync(lines, jsonLineOf);
  for await (const chunk of text) {
    if (!out.write(chunk)) await once(out, "drain");
    written++;
  }
  if (!toStdout) {
    out.end();
    await finished(out);
  }
  io.say(
    `exported ${(command.format === "csv" ? written - 1 : written).toLocaleString("en-US")} contacts${toStdout ? "" : ` to ${io.resolvePath(command.file)}`}`,
  );
  return 0;
}

/** The id of the workspace named `name`; refused if the database has none. */
async function workspaceIdOf(stores: Stores, name: string): Promise<string> {
  const key = (await stores.apiKeys.listKeys()).find((k) => k.workspaceName === name);
  if (!key) {
    throw new BulkRefusalError(
      `no workspace named ${JSON.stringify(name)} (keys create --workspace makes one)`,
    );
  }
  return key.workspaceId;
}

interface OpenSource {
  lines: AsyncIterable<SourceLine>;
  totalBytes: number | undefined;
  bytesRead: () => number | undefined;
}

function openSource(command: ImportCommand, io: BulkIo): OpenSource {
  const { source } = command;
  if (source.kind === "orq") {
    return {
      lines: orqContacts(source.baseUrl, source.apiKey),
      totalBytes: undefined,
      bytesRead: () => undefined,
    };
  }
  let stream: Readable;
  let totalBytes: number | undefined;
  if (source.file === "-") {
    stream = io.stdin as Readable;
  } else {
    const path = io.resolvePath(source.file);
    try {
      totalBytes = statSync(path).size;
    } catch {
      throw new BulkRefusalError(`cannot read ${path}: no such file`);
    }
    stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  }
  let bytes = 0;
  // Counted as the reader pulls: a 'data' listener would switch the stream to flowing mode and
  // race the reader for chunks.
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }
  return {
    lines: formatReader(source.format)(Readable.from(counted(), { objectMode: false })),
    totalBytes,
    bytesRead: () => bytes,
  };
}

function formatReader(format: BulkFormat): (stream: Readable) => AsyncIterable<SourceLine> {
  return format === "csv" ? csvRecords : (stream) => jsonLines(stream);
}

/** The rejects file: one JSON line per rejected line, in the API's error shape plus `line`. */
function rejectsWriter(path: string) {
  const out = createWriteStream(path, { mode: 0o600 });
  return {
    path,
    write: async (rejection: LineRejection) => {
      const line = {
        line: rejection.line,
        error: rejection.message,
        code: rejection.code,
        message: rejection.message,
        details: rejection.details.map(({ path: p, message }) => ({ path: p, message })),
      };
      if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, "drain");
    },
    close: async () => {
      out.end();
      await finished(out);
    },
  };
}

async function openedOrRefused(out: ReturnType<typeof createWriteStream>, file: string) {
  try {
    await once(out, "open");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new BulkRefusalError(
      code === "EEXIST"
        ? `${file} exists; refusing to overwrite it`
        : `cannot write ${file} (${code})`,
    );
  }
}

async function* mapAsync<T, U>(items: AsyncIterable<T>, map: (item: T) => U): AsyncGenerator<U> {
  for await (const item of items) yield map(item);
}
