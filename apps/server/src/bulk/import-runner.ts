/**
 * Runs an import: records from any source (a file, an HTTP body, another server's pages) are
 * checked line by line and applied in batches, each in one transaction of the store. Memory
 * holds one batch; rejections are handed out in line order as each batch completes.
 */
import type { ContactImporter } from "../contacts/contact-import.js";
import type { ImportMode, ImportRow } from "../contacts/contact-store.js";
import { toApiError } from "../http/api-error.js";
import type { ImportLineChecker, LineRejection } from "./import-line-checker.js";
import type { SourceLine } from "./json-lines.js";

/** Lines per transaction unless told otherwise: big enough to amortize a commit's fsync. */
export const DEFAULT_IMPORT_BATCH = 1000;

export interface ImportCounts {
  /** Records read (blank lines are not records). */
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Under `create`: lines whose external_id the workspace already had. */
  skipped: number;
  rejected: number;
}

export interface ImportRunOptions {
  importer: ContactImporter;
  checker: ImportLineChecker;
  workspaceId: string;
  mode: ImportMode;
  dryRun?: boolean;
  batchSize?: number;
  /** Each rejected line, in line order; awaited (a slow rejects file slows the import). */
  onRejected?: (rejection: LineRejection) => void | Promise<void>;
  /** After each batch, with the running counts. */
  onProgress?: (counts: Readonly<ImportCounts>) => void;
  /** Before each batch is applied, with its size: may wait, or throw to stop (a rate limit). */
  beforeBatch?: (rows: number, committedBefore: boolean) => Promise<void>;
}

export function emptyCounts(): ImportCounts {
  return { read: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, rejected: 0 };
}

/** Imports every record of `source`; resolves to the counts once the last batch committed. */
export async function runImport(
  source: AsyncIterable<SourceLine>,
  options: ImportRunOptions,
): Promise<ImportCounts> {
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH;
  const counts = emptyCounts();
  let rows: ImportRow[] = [];
  let rowLines: number[] = [];
  let rejections: LineRejection[] = [];
  let committed = false;

  const flush = async () => {
    if (rows.length > 0) {
      await options.beforeBatch?.(rows.length, committed);
      const outcomes = await options.importer.applyBatch(options.workspaceId, rows, {
        mode: options.mode,
        dryRun: options.dryRun ?? false,
      });
      committed = true;
      outcomes.forEach((outcome, i) => {
        if (outcome.kind !== "rejected") {
          counts[outcome.kind]++;
          return;
        }
        const error = toApiError(outcome.error);
        rejections.push({
          line: rowLines[i] as number,
          code: error?.code ?? "validation_failed",
          message: error?.message ?? outcome.error.message,
          details: error?.extras.details ?? outcome.error.problems,
        });
      });
    }
    rejections.sort((a, b) => a.line - b.line);
    counts.rejected += rejections.length;
    for (const rejection of rejections) await options.onRejected?.(rejection);
    rows = [];
    rowLines = [];
    rejections = [];
    options.onProgress?.(counts);
  };

  for await (const record of source) {
    counts.read++;
    if ("rejection" in record) {
      rejections.push({ line: record.line, ...record.rejection });
    } else {
      const checked = options.checker.check(record.value);
      if ("row" in checked) {
        rows.push(checked.row);
        rowLines.push(record.line);
      } else {
        rejections.push({ line: record.line, ...checked.rejection });
      }
    }
    // Rejections count too: a file of bad lines must not pile them up in memory.
    if (rows.length + rejections.length >= batchSize) await flush();
  }
  await flush();
  return counts;
}
