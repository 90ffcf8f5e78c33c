import type { RequestHandler } from "express";
import type { FieldProblem } from "../contacts/contact-errors.js";
import { invalid, pointerSegment } from "./api-error.js";

/**
 * Refuses query strings the parser would quietly mangle: invalid percent-encoding or UTF-8
 * (decoded to U+FFFD, then searched for), and bracket names (`tags[]=a`) that slip past the
 * validator's unknown-parameter check.
 */
export const strictQueryString: RequestHandler = (req, _res, next) => {
  const start = req.url.indexOf("?");
  if (start < 0) return next();
  const problems: FieldProblem[] = [];
  for (const pair of req.url.slice(start + 1).split("&")) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const name = decode(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? "" : decode(pair.slice(equals + 1));
    if (name === undefined) {
      problems.push({
        path: "/query",
        message: "has a name that is not valid percent-encoded UTF-8",
      });
    } else if (value === undefined) {
      problems.push({
        path: `/query/${pointerSegment(name)}`,
        message: "is not valid percent-encoded UTF-8",
      });
    } else if (/[[\]]/.test(name)) {
      problems.push({
        path: `/query/${pointerSegment(name)}`,
        message: "is not a known parameter",
      });
    }
  }
  next(problems.length > 0 ? invalid(problems) : undefined);
};

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return undefined;
  }
}
