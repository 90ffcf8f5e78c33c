import { describe, expect, it } from "vitest";
import { parseCorsOrigins } from "./cors.js";

describe("parseCorsOrigins", () => {
  it.each<[string, string | undefined, string[]]>([
    ["unset: CORS off", undefined, []],
    ["empty: CORS off", "", []],
    ["one origin", "https://app.example.com", ["https://app.example.com"]],
    [
      "several, spaces and empty entries ignored, repeats collapsed",
      " https://app.example.com ,http://localhost:5173,, https://app.example.com",
      ["https://app.example.com", "http://localhost:5173"],
    ],
    ["a port", "http://127.0.0.1:8080", ["http://127.0.0.1:8080"]],
  ])("accepts %s", (_name, value, want) => {
    expect(parseCorsOrigins(value)).toEqual(want);
  });

  it.each<[string, string, RegExp]>([
    ["a wildcard", "*", /"\*" \(a wildcard\) is not allowed/],
    ["a wildcard among origins", "https://a.example.com,*", /wildcard/],
    ["a wildcard subdomain", "https://*.example.com", /wildcard/],
    ["no scheme", "app.example.com", /"app\.example\.com" is not an exact origin/],
    ["a path", "https://app.example.com/app", /not an exact origin/],
    ["a trailing slash", "https://app.example.com/", /not an exact origin/],
    ["capitals", "https://App.example.com", /not an exact origin/],
    ["another scheme", "ftp://app.example.com", /not an exact origin/],
    ["the null origin", "null", /not an exact origin/],
  ])("refuses %s with a message naming CORS_ORIGINS", (_name, value, message) => {
    expect(() => parseCorsOrigins(value)).toThrow(/^CORS_ORIGINS/);
    expect(() => parseCorsOrigins(value)).toThrow(message);
  });
});
