/**
 * Splits a byte stream into JSON Lines and parses each, holding at most one line in memory: a
 * line longer than the create body limit is refused without being kept. Blank lines are not
 * records and are passed over; line numbers count every line of the input, from 1.
 */
import { isUtf8 } from "node:buffer";
import { BODY_LIMIT_BYTES } from "../config.js";
import type { LineRejection } from "./import-line-checker.js";

/** One record of an import source: its parsed value, or why it could not be read. */
export type SourceLine =
  | { line: number; value: unknown }
  | { line: number; rejection: Omit<LineRejection, "line"> };

const NEWLINE = 0x0a;

/** Parsed records of a JSON Lines byte stream (LF or CRLF line ends). */
export async function* jsonLines(
  input: AsyncIterable<Buffer | string>,
  maxLineBytes = BODY_LIMIT_BYTES,
): AsyncGenerator<SourceLine> {
  let line = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  const finish = (tail: Buffer): SourceLine | undefined => {
    line++;
    if (tooLong || pendingBytes + tail.length > maxLineBytes) {
      pending = [];
      pendingBytes = 0;
      tooLong = false;
      return { line, rejection: lineTooLong(maxLineBytes) };
    }
    const bytes = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending = [];
    pendingBytes = 0;
    return parseLine(bytes, line);
  };
  for await (const chunk of input) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    let start = 0;
    for (let end = buffer.indexOf(NEWLINE); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      const record = finish(buffer.subarray(start, end));
      if (record) yield record;
      start = end + 1;
    }
    const rest = buffer.subarray(start);
    if (rest.length === 0) continue;
    if (tooLong || pendingBytes + rest.length > maxLineBytes) {
      // Drop what is over the limit now: the line is refused whatever follows.
      tooLong = true;
      pending = [];
      pendingBytes = 0;
    } else {
      // A copy: the caller may reuse its chunk's memory.
      pending.push(Buffer.from(rest));
      pendingBytes += rest.length;
    }
  }
  if (pendingBytes > 0 || tooLong) {
    const record = finish(Buffer.alloc(0));
    if (record) yield record;
  }
}

/** A line's JSON value, or its rejection; undefined for a blank line. */
function parseLine(bytes: Buffer, line: number): SourceLine | undefined {
  if (!isUtf8(bytes)) {
    return { line, rejection: malformed("Line is not valid UTF-8") };
  }
  let text = bytes.toString("utf8");
  if (text.endsWith("\r")) text = text.slice(0, -1);
  if (line === 1 && text.startsWith("\uFEFF")) text = text.slice(1);
  if (text.trim() === "") return undefined;
  try {
    return { line, value: JSON.parse(text) };
  } catch (error) {
    return { line, rejection: malformed(`Line is not valid JSON: ${(error as Error).message}`) };
  }
}

function malformed(message: string): Omit<LineRejection, "line"> {
  return { code: "malformed_json", message, details: [] };
}

function lineTooLong(maxLineBytes: number): Omit<LineRejection, "line"> {
  return {
    code: "payload_too_large",
    message: `Line is larger than the limit (${maxLineBytes / 1024} KiB), as a create body would be`,
    details: [],
  };
}
