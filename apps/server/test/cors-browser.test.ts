/**
 * The built client in a real browser, on another origin: a page served by a second tiny server
 * (another port) loads @contacts/client bundled for browsers by esbuild and calls the API with
 * CORS_ORIGINS set to that page's origin. A page on an origin not listed is blocked by the
 * browser. Chromium comes from Debian's package (support/chromium.ts).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { VERSION } from "@contacts/client";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium } from "./support/chromium.js";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

const available = chromiumAvailable("CORS browser test");

/** The package as a browser app would bundle it: by its name, with the browser's conditions. */
async function bundleClient(): Promise<string> {
  const result = await build({
    stdin: {
      contents: 'export * from "@contacts/client";',
      resolveDir: dirname(fileURLToPath(import.meta.url)),
      loader: "js",
    },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]?.text ?? "";
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>contacts page</title></head>
<body><script type="module">
import * as contacts from "/client.js";
window.contacts = contacts;
document.title = "ready";
</script></body></html>`;

/** A page server: `/` and `/client.js`, on its own port, hence its own origin. */
async function pageServer(clientJs: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === "/client.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(clientJs);
    } else if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** What the page has, for the scripts run in it (the server's tests compile without DOM types). */
type PageGlobals = { contacts: typeof import("@contacts/client"); document: { title: string } };

/** What a page script reports of a call. */
type Outcome = { ok: true; value: unknown } | { ok: false; name: string; message: string };

describe.skipIf(!available)("the built client in a browser, from another origin", () => {
  let api: TestServer;
  let ws: TestWorkspace;
  let browser: Browser;
  let allowed: { origin: string; server: Server };
  let other: { origin: string; server: Server };

  beforeAll(async () => {
    const clientJs = await bundleClient();
    allowed = await pageServer(clientJs);
    other = await pageServer(clientJs);
    api = await startTestServer({ corsOrigins: [allowed.origin] });
    ws = await api.workspace();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    allowed?.server.close();
    other?.server.close();
  });

  async function openPage(origin: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    await page.waitForFunction(
      () => (globalThis as unknown as PageGlobals).document.title === "ready",
      undefined,
      { timeout: 15_000 },
    );
    return page;
  }

  it("creates, lists, reads response headers and updates with If-Match", async () => {
    const page = await openPage(allowed.origin);
    const sent: Record<string, string>[] = [];
    page.on("request", (request) => {
      if (request.url().startsWith(api.baseUrl) && request.method() !== "OPTIONS") {
        sent.push(request.headers());
      }
    });
    const outcome = await page.evaluate(
      async ({ baseUrl, apiKey }): Promise<Outcome> => {
        const { createContactsClient } = (globalThis as unknown as PageGlobals).contacts;
        try {
          const client = createContactsClient({ baseUrl, apiKey, maxRetries: 0 });
          const created = await client.contacts
            .create({ external_id: "browser-1", tags: ["web"] })
            .withResponse();
          const second = await client.contacts.create({ external_id: "browser-2", tags: ["web"] });
          const listed = [];
          for await (const contact of client.contacts.list({ tags: ["web"], limit: 1 })) {
            listed.push(contact.external_id);
          }
          const updated = await client.contacts.update(
            second._id,
            { display_name: "From a browser" },
            { ifMatch: (await client.contacts.retrieve(second._id).withResponse()).etag },
          );
          return {
            ok: true,
            value: {
              requestId: created.requestId,
              etag: created.etag,
              location: created.response.headers.get("location"),
              listed,
              displayName: updated.display_name,
            },
          };
        } catch (error) {
          const { name, message } = error as Error;
          return { ok: false, name, message };
        }
      },
      { baseUrl: api.baseUrl, apiKey: ws.apiKey },
    );
    expect(outcome).toEqual({
      ok: true,
      value: {
        requestId: expect.stringMatching(/^req_/),
        etag: expect.stringMatching(/^"/),
        location: expect.stringMatching(/^\/v2\/contacts\/contact_/),
        listed: ["browser-2", "browser-1"],
        displayName: "From a browser",
      },
    });
    // The client names itself in its own header; the browser keeps its User-Agent.
    expect(sent.length).toBeGreaterThan(0);
    for (const headers of sent) {
      expect(headers["x-contacts-client"]).toBe(VERSION);
      expect(headers["user-agent"]).not.toMatch(/contacts-client/);
    }
    await page.close();
  }, 60_000);

  it("reads error answers too: a wrong key is an AuthenticationError, not a network failure", async () => {
    const page = await openPage(allowed.origin);
    const outcome = await page.evaluate(async (baseUrl): Promise<Outcome> => {
      const { createContactsClient } = (globalThis as unknown as PageGlobals).contacts;
      try {
        const client = createContactsClient({ baseUrl, apiKey: "ck_wrong", maxRetries: 0 });
        return { ok: true, value: await client.contacts.list() };
      } catch (error) {
        const { name, message } = error as Error;
        return { ok: false, name, message };
      }
    }, api.baseUrl);
    expect(outcome).toMatchObject({ ok: false, name: "AuthenticationError" });
    await page.close();
  }, 60_000);

  it("is blocked by the browser on an origin CORS_ORIGINS does not list", async () => {
    const page = await openPage(other.origin);
    const blocked: string[] = [];
    page.on("console", (message) => blocked.push(message.text()));
    const outcome = await page.evaluate(
      async ({ baseUrl, apiKey }): Promise<Outcome> => {
        const { createContactsClient } = (globalThis as unknown as PageGlobals).contacts;
        try {
          const client = createContactsClient({ baseUrl, apiKey, maxRetries: 0 });
          return {
            ok: true,
            value: await client.contacts.create({ external_id: "browser-blocked" }),
          };
        } catch (error) {
          const { name, message } = error as Error;
          return { ok: false, name, message };
        }
      },
      { baseUrl: api.baseUrl, apiKey: ws.apiKey },
    );
    expect(outcome).toMatchObject({ ok: false, name: "ConnectionError" });
    expect(blocked.join("\n")).toMatch(/CORS policy/);
    // The preflight failed, so the create itself was never sent.
    expect((await ws.fetch("/v2/contacts/browser-blocked")).status).toBe(404);
    await page.close();
  }, 60_000);
});
