/**
 * The console's serving and its error states. Without a browser: /console's CSP (no inline
 * script or style, the API on this origin only), caching, 404s, the page it serves before the
 * console is built, and its size budget. In Chromium, against real servers: a key revoked while
 * signed in, a rate-limited request (says when to retry), and a server that went away.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import express from "express";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_CSP, CONSOLE_DIR, consoleRoutes } from "../src/http/console-routes.js";
import { chromiumAvailable, launchChromium } from "./support/chromium.js";
import { expectAccessible, screenshot, signIn, watchedPage } from "./support/console-page.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** The README's promise: the whole console is at most 150 KB gzipped. */
const BUDGET_BYTES = 150 * 1024;

describe("serving /console", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it("serves its page under a CSP with no inline code, and nothing inline in the page", async () => {
    const response = await server.fetch("/console/");
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toBe(CONSOLE_CSP);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain("unsafe");
    const html = await response.text();
    // Every script has a src on this origin; no <style>, no style="" nor on*="" attribute.
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1] ?? "");
    expect(scripts.length).toBeGreaterThan(0);
    for (const attributes of scripts) expect(attributes).toMatch(/\bsrc="\/console\/assets\//);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("serves any path under /console/ as the page (it routes in the browser); /console redirects", async () => {
    const deep = await server.fetch("/console/contacts/contact_x?q=a");
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="app">');
    const bare = await server.fetch("/console", { redirect: "manual" });
    expect(bare.status).toBe(301);
    expect(bare.headers.get("location")).toBe("/console/");
  });

  it("caches its content-hashed assets for a year, and answers 404 for a missing one", async () => {
    const html = await (await server.fetch("/console/")).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map(
      (m) => m[1] ?? "",
    );
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const response = await server.fetch(asset);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(response.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    }
    const missing = await server.fetch("/console/assets/nope.js");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("cache-control")).toBe("no-store");
  });

  it("says how to build it when it is not built", async () => {
    const app = express().use(consoleRoutes("/nonexistent/console/dist/"));
    const listener = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => listener.once("listening", resolve));
    try {
      const { port } = listener.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/console/`);
      expect(response.status).toBe(503);
      expect(await response.text()).toMatch(/npm run build/);
    } finally {
      listener.close();
    }
  });

  it("weighs at most 150 KB gzipped, every file it serves together", () => {
    const files = readdirSync(CONSOLE_DIR, { recursive: true })
      .map(String)
      .filter((file) => statSync(join(CONSOLE_DIR, file)).isFile());
    expect(files).toContain("index.html");
    const total = files.reduce(
      (sum, file) => sum + gzipSync(readFileSync(join(CONSOLE_DIR, file)), { level: 9 }).length,
      0,
    );
    expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  });
});

const available = chromiumAvailable("console states test");

describe.skipIf(!available)("the console's error states, in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(() => browser?.close());

  it("signs out with a clear message when the key is revoked while signed in", async () => {
    const server = await startTestServer();
    try {
      const { key, info } = await server.stores.apiKeys.createKey("revoked", Date.now());
      const { page, problems } = await watchedPage(browser, new URL(server.baseUrl).origin);
      await signIn(page, server.baseUrl, key);
      await server.stores.apiKeys.revokeKey(info.keyId, Date.now());
      await page.getByRole("link", { name: "Overview" }).click();
      await page.getByRole("heading", { level: 1, name: "Contacts console" }).waitFor();
      expect(await page.getByRole("status").textContent()).toMatch(
        /not accepted: it is wrong or has been revoked/,
      );
      expect(
        await page.evaluate(
          () =>
            (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length,
        ),
      ).toBe(0);
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await server.close();
    }
  }, 60_000);

  it("says when to retry after a 429, and says so when the server is down", async () => {
    // Two requests at once, then one every 10 s: sign-in and the first list use them up.
    const server = await startTestServer({ rateLimit: { requestsPerSecond: 0.1, burst: 2 } });
    let closed = false;
    try {
      const ws = await server.workspace("limited");
      const { page, problems } = await watchedPage(browser, new URL(server.baseUrl).origin);
      await signIn(page, server.baseUrl, ws.apiKey);
      await page.getByText("No contacts match.").waitFor();
      await page.getByRole("link", { name: "Overview" }).click();
      const alert = page.getByRole("alert");
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/Too many requests.*Try again in \d+ seconds?\./);
      const retry = page.getByRole("button", { name: /^Retry \(in \d+ s\)$/ });
      expect(await retry.isDisabled()).toBe(true);
      await expectAccessible(page, "rate limited");
      await screenshot(page, "12-rate-limited");

      await server.close();
      closed = true;
      await page.getByRole("link", { name: "Contacts" }).click();
      await expect
        .poll(() => page.getByRole("alert").textContent())
        .toMatch(/server cannot be reached/);
      await screenshot(page, "13-server-down");
      expect(problems.filter((p) => !p.startsWith("page error"))).toEqual([]);
      await page.close();
    } finally {
      if (!closed) await server.close();
    }
  }, 60_000);
});
