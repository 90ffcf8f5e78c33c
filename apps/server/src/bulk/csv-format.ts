/**
 * Contacts as CSV: a header row naming the columns (external_id, display_name, email,
 * avatar_url, tags, metadata; any order, external_id required), one contact per record. An empty
 * cell is an absent field; tags are `;`-separated (or a JSON array, for tags that hold a `;`);
 * metadata is a JSON object in its cell. Parsed by csv-parse, written by csv-stringify.
 */
import type { Readable } from "node:stream";
import type { CreateContactRequest } from "@contacts/api-types";
import { type CsvError, parse } from "csv-parse";
import { stringify } from "csv-stringify/sync";
import type { LineRejection } from "./import-line-checker.js";
import type { SourceLine } from "./json-lines.js";

export const CSV_COLUMNS = [
  "external_id",
  "display_name",
  "email",
  "avatar_url",
  "tags",
  "metadata",
] as const;
type Column = (typeof CSV_COLUMNS)[number];

/** A header the import cannot read: the whole file is refused, nothing imported. */
export class CsvHeaderError extends Error {
  override readonly name = "CsvHeaderError";
}

/** The records of a CSV stream as import lines, each numbered by the line it ends on. */
export async function* csvRecords(input: Readable): AsyncGenerator<SourceLine> {
  const skipped: SourceLine[] = [];
  const parser = input.pipe(
    parse({
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (error: CsvError | undefined) => {
        const line = (error as { lines?: number } | undefined)?.lines ?? 0;
        skipped.push({
          line,
          rejection: {
            code: "validation_failed",
            message: `Invalid CSV record: ${error?.message ?? "unreadable"}`,
            details: [{ path: "/body", message: "is not a readable CSV record" }],
          },
        });
        return undefined;
      },
    }),
  );
  let header: Column[] | undefined;
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>) {
    yield* skipped.splice(0);
    if (!header) {
      header = headerOf(record);
      continue;
    }
    yield recordLine(header, record, info.lines);
  }
  yield* skipped.splice(0);
  if (!header) throw new CsvHeaderError("the CSV file has no header row");
}

function headerOf(cells: string[]): Column[] {
  const names = cells.map((cell) => cell.trim());
  const unknown = names.filter((name) => !(CSV_COLUMNS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new CsvHeaderError(
      `unknown CSV column ${unknown.map((n) => JSON.stringify(n)).join(", ")}; the columns are ${CSV_COLUMNS.join(",")}`,
    );
  }
  if (new Set(names).size !== names.length) throw new CsvHeaderError("a CSV column is named twice");
  if (!names.includes("external_id")) throw new CsvHeaderError("the CSV header has no external_id");
  return names as Column[];
}

/** A record as a create body; cells that are not what their column holds are rejected here. */
function recordLine(header: Column[], cells: string[], line: number): SourceLine {
  if (cells.length !== header.length) {
    return {
      line,
      rejection: {
        code: "validation_failed",
        message: `Invalid request: /body has ${cells.length} cells; the header has ${header.length}`,
        details: [
          { path: "/body", message: `has ${cells.length} cells; the header has ${header.length}` },
        ],
      },
    };
  }
  const body: Record<string, unknown> = {};
  for (const [i, column] of header.entries()) {
    const cell = cells[i] as string;
    if (cell === "") continue;
    if (column === "tags") {
      const tags = cell.startsWith("[") ? jsonCell(cell, column) : { value: cell.split(";") };
      if ("rejection" in tags) return { line, rejection: tags.rejection };
      body.tags = tags.value;
    } else if (column === "metadata") {
      const metadata = jsonCell(cell, column);
      if ("rejection" in metadata) return { line, rejection: metadata.rejection };
      body.metadata = metadata.value;
    } else {
      body[column] = cell;
    }
  }
  return { line, value: body };
}

function jsonCell(
  cell: string,
  column: Column,
): { value: unknown } | { rejection: Omit<LineRejection, "line"> } {
  try {
    return { value: JSON.parse(cell) };
  } catch (error) {
    const message = `is not valid JSON: ${(error as Error).message}`;
    return {
      rejection: {
        code: "malformed_json",
        message: `The ${column} cell ${message}`,
        details: [{ path: `/body/${column}`, message }],
      },
    };
  }
}

/** CSV text of import lines: the header, then one record per contact (empty cells for null). */
export async function* csvExportLines(
  lines: AsyncIterable<CreateContactRequest>,
): AsyncGenerator<string> {
  yield stringify([[...CSV_COLUMNS]]);
  for await (const line of lines) {
    const tags = line.tags ?? [];
    // A tag holding `;` (or a first tag that opens like JSON) would not split back: JSON then.
    const tagsCell =
      tags.some((tag) => tag.includes(";")) || tags[0]?.startsWith("[")
        ? JSON.stringify(tags)
        : tags.join(";");
    const metadata = line.metadata ?? {};
    yield stringify([
      [
        line.external_id,
        line.display_name ?? "",
        line.email ?? "",
        line.avatar_url ?? "",
        tagsCell,
        Object.keys(metadata).length > 0 ? JSON.stringify(metadata) : "",
      ],
    ]);
  }
}
