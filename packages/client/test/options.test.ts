/**
 * What the client takes at construction: a baseUrl checked at once (scheme, no /v2), env
 * defaults in Node, who-is-calling headers, and a logger that never sees the key or a body.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createContactsClient, type Logger, VERSION } from "../src/index.js";
import { contactResponse, json, scriptedFetch, testClient } from "./support/fake-fetch.js";
import { packageDir } from "./support/typecheck.js";

describe("baseUrl", () => {
  it.each([
    ["a root URL", "http://localhost:3000", "http://localhost:3000/v2/contacts/a"],
    [
      "a trailing slash",
      "https://contacts.example.com/",
      "https://contacts.example.com/v2/contacts/a",
    ],
    [
      "a path prefix",
      "https://example.com/contacts-api/",
      "https://example.com/contacts-api/v2/contacts/a",
    ],
  ])("takes %s", async (_name, baseUrl, want) => {
    const { fetch, sent } = scriptedFetch(contactResponse());
    await createContactsClient({ baseUrl, apiKey: "k", fetch }).contacts.retrieve("a");
    expect(sent.map((s) => s.url)).toEqual([want]);
  });

  it.each<[string, string, RegExp]>([
    ["no scheme (an IP and port)", "127.0.0.1:4801", /absolute http:\/\/ or https:\/\/ URL/],
    ["no scheme (a host and port)", "localhost:3000", /absolute http:\/\/ or https:\/\/ URL/],
    ["another scheme", "ftp://contacts.example.com", /absolute http:\/\/ or https:\/\/ URL/],
    ["a /v2 suffix", "http://localhost:3000/v2", /without \/v2.*use "http:\/\/localhost:3000"/],
    ["a /v2/ suffix", "http://localhost:3000/v2/", /without \/v2/],
    [
      "a /v2/contacts suffix",
      "https://example.com/api/v2/contacts",
      /use "https:\/\/example.com\/api"/,
    ],
    ["credentials", "http://user:secret@localhost:3000", /must not hold credentials/],
    ["a query", "http://localhost:3000?x=1", /query or fragment/],
    ["nothing", "", /baseUrl is required/],
  ])("refuses %s at construction, sending nothing", (_name, baseUrl, message) => {
    const { fetch, sent } = scriptedFetch();
    const make = () => createContactsClient({ baseUrl, apiKey: "k", fetch });
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
    expect(sent).toEqual([]);
  });
});

describe("defaults from the environment (Node)", () => {
  const saved = { key: process.env.CONTACTS_API_KEY, url: process.env.CONTACTS_BASE_URL };
  afterEach(() => {
    for (const [name, value] of [
      ["CONTACTS_API_KEY", saved.key],
      ["CONTACTS_BASE_URL", saved.url],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("reads CONTACTS_BASE_URL and CONTACTS_API_KEY when the options leave them out", async () => {
    process.env.CONTACTS_BASE_URL = "http://from-env.test:4000";
    process.env.CONTACTS_API_KEY = "ck_from_env";
    const { fetch, sent } = scriptedFetch(contactResponse(), contactResponse());
    await createContactsClient({ fetch }).contacts.retrieve("a");
    await createContactsClient({
      baseUrl: "http://given.test",
      apiKey: "ck_given",
      fetch,
    }).contacts.retrieve("a");
    expect(sent.map((s) => [s.url, s.headers.get("authorization")])).toEqual([
      ["http://from-env.test:4000/v2/contacts/a", "Bearer ck_from_env"],
      ["http://given.test/v2/contacts/a", "Bearer ck_given"],
    ]);
  });

  it("checks an environment baseUrl like a given one", () => {
    process.env.CONTACTS_BASE_URL = "http://localhost:3000/v2";
    expect(() => createContactsClient({ apiKey: "k" })).toThrow(/without \/v2/);
  });

  it("says which variable to set when neither is there", () => {
    delete process.env.CONTACTS_API_KEY;
    delete process.env.CONTACTS_BASE_URL;
    expect(() => createContactsClient({ apiKey: "k" })).toThrow(/CONTACTS_BASE_URL/);
    expect(() => createContactsClient({ baseUrl: "http://x.test" })).toThrow(/CONTACTS_API_KEY/);
  });

  it("reads nothing where there is no process (browsers)", () => {
    process.env.CONTACTS_API_KEY = "ck_from_env";
    const nodeProcess = globalThis.process;
    Object.defineProperty(globalThis, "process", { value: undefined, configurable: true });
    let error: unknown;
    try {
      createContactsClient({ baseUrl: "http://x.test" });
    } catch (thrown) {
      error = thrown;
    } finally {
      Object.defineProperty(globalThis, "process", { value: nodeProcess, configurable: true });
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/apiKey/);
  });
});

describe("who is calling", () => {
  it("sends X-Contacts-Client with the version, and in Node a User-Agent naming it", async () => {
    const { fetch, sent } = scriptedFetch(contactResponse(), contactResponse());
    const { client } = testClient(fetch);
    await client.contacts.retrieve("a");
    await client.raw.GET("/v2/contacts/{id}", { params: { path: { id: "a" } } });
    for (const request of sent) {
      expect(request.headers.get("x-contacts-client")).toBe(VERSION);
      expect(request.headers.get("user-agent")).toBe(
        `contacts-client/${VERSION} node/${process.versions.node}`,
      );
    }
  });

  it("lets the caller's headers replace them", async () => {
    const { fetch, sent } = scriptedFetch(contactResponse());
    const { client } = testClient(fetch, { headers: { "User-Agent": "my-app/1.0" } });
    await client.contacts.retrieve("a");
    expect(sent[0]?.headers.get("user-agent")).toBe("my-app/1.0");
  });

  it("has the version of package.json", () => {
    const pkg = JSON.parse(readFileSync(resolve(packageDir, "package.json"), "utf8")) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
  });
});

describe("logger and logLevel", () => {
  function recorder() {
    const lines: { level: string; message: string; details: Record<string, unknown> }[] = [];
    const at = (level: string) => (message: string, details: Record<string, unknown>) =>
      lines.push({ level, message, details });
    const logger: Logger = {
      debug: at("debug"),
      info: at("info"),
      warn: at("warn"),
      error: at("error"),
    };
    return { logger, lines };
  }

  it("logs requests and responses at debug, retries at info; never the key or a body", async () => {
    const { logger, lines } = recorder();
    const { fetch } = scriptedFetch(json(503, { code: "internal_error" }), contactResponse(201));
    const { client } = testClient(fetch, { logger, logLevel: "debug", apiKey: "ck_secret_key" });
    await client.contacts.create({ external_id: "secret-external-id", email: "jane@example.com" });
    expect(lines.map((line) => `${line.level} ${line.message}`)).toEqual([
      "debug contacts: request",
      "debug contacts: response",
      "info contacts: retrying",
      "debug contacts: request",
      "debug contacts: response",
    ]);
    const url = "http://contacts.test/v2/contacts";
    expect(lines[1]?.details).toEqual({
      method: "POST",
      url,
      status: 503,
      ms: 0,
      request_id: "req_test",
    });
    expect(lines[2]?.details).toEqual({
      method: "POST",
      url,
      retry: 1,
      of: 2,
      delay_ms: 500,
      reason: "503 internal_error",
    });
    const text = JSON.stringify(lines);
    expect(text).not.toContain("ck_secret_key");
    expect(text).not.toContain("secret-external-id");
    expect(text).not.toContain("jane@example.com");
  });

  it("logs a retry after a connection failure with its error's name", async () => {
    const { logger, lines } = recorder();
    const { fetch } = scriptedFetch(new TypeError("fetch failed"), contactResponse());
    const { client } = testClient(fetch, { logger, logLevel: "info" });
    await client.contacts.retrieve("a");
    expect(lines).toEqual([
      {
        level: "info",
        message: "contacts: retrying",
        details: expect.objectContaining({ method: "GET", reason: "ConnectionError" }),
      },
    ]);
  });

  it.each<["warn" | "off" | undefined]>([["warn"], ["off"], [undefined]])(
    "logs none of them at %s (the default is warn)",
    async (logLevel) => {
      const { logger, lines } = recorder();
      const { fetch } = scriptedFetch(json(503, {}), contactResponse());
      const { client } = testClient(fetch, { logger, ...(logLevel && { logLevel }) });
      await client.contacts.retrieve("a");
      expect(lines).toEqual([]);
    },
  );

  it("refuses an unknown level", () => {
    expect(() =>
      createContactsClient({
        baseUrl: "http://x.test",
        apiKey: "k",
        logLevel: "verbose" as "debug",
      }),
    ).toThrow(/logLevel must be one of debug, info, warn, error, off/);
  });
});
