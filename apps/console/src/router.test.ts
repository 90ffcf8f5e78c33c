import { describe, expect, it } from "vitest";
import { contactHref, href, parseRoute } from "./router.js";

describe("console routes", () => {
  const cases: [string, { url: string; want: string }][] = [
    ["the list", { url: "/console/", want: "contacts" }],
    ["the list, no slash", { url: "/console", want: "contacts" }],
    ["the overview", { url: "/console/overview?by=cost", want: "overview" }],
    ["a contact", { url: "/console/contacts/contact_01", want: "contact" }],
    ["something else", { url: "/console/nope", want: "not-found" }],
    ["a broken escape", { url: "/console/contacts/%E0%A4%A", want: "not-found" }],
  ];
  it.each(cases)("%s", (_name, { url, want }) => {
    expect(parseRoute(new URL(url, "http://localhost")).name).toBe(want);
  });

  it("round-trips an external id with slashes and spaces through a contact's URL", () => {
    const route = parseRoute(new URL(contactHref("team/a b?"), "http://localhost"));
    expect(route).toEqual({ name: "contact", id: "team/a b?" });
  });

  it("leaves empty query values out of a URL", () => {
    expect(href("/", { q: "", tags: "vip,beta", after: undefined })).toBe(
      "/console/?tags=vip%2Cbeta",
    );
  });
});
