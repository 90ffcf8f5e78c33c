import { describe, expect, it } from "vitest";
import { loadSpec } from "../spec.js";
import { routeMatcher } from "./route-match.js";

const match = routeMatcher(loadSpec().document);

describe("routeMatcher", () => {
  it.each<[string, string, string, { route: string; operationId: string | undefined } | undefined]>(
    [
      ["a list", "GET", "/v2/contacts", { route: "/v2/contacts", operationId: "listContacts" }],
      ["a create", "POST", "/v2/contacts", { route: "/v2/contacts", operationId: "createContact" }],
      [
        "a retrieve",
        "GET",
        "/v2/contacts/user_1",
        { route: "/v2/contacts/{id}", operationId: "retrieveContact" },
      ],
      [
        "HEAD as GET",
        "HEAD",
        "/v2/contacts/a%2Fb",
        { route: "/v2/contacts/{id}", operationId: "retrieveContact" },
      ],
      [
        "a method the route lacks",
        "PUT",
        "/v2/contacts",
        { route: "/v2/contacts", operationId: undefined },
      ],
      ["a trailing slash", "GET", "/v2/contacts/", undefined],
      ["another case", "GET", "/V2/contacts", undefined],
      ["two segments", "GET", "/v2/contacts/a/b", undefined],
      ["a doubled prefix", "GET", "/v2/v2/contacts", undefined],
    ],
  )("%s: %s %s", (_name, method, path, want) => {
    expect(match(method, path)).toEqual(want);
  });
});
