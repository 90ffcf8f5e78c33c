/**
 * /docs in a real headless browser: Swagger UI renders every operation of openapi.yaml from the
 * server's own /openapi.json, and the page loads nothing from any other host (it works offline).
 * Chromium comes from Debian's package (.ci/run installs it); without it the test is skipped
 * locally but fails under CI.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { specOperations } from "../src/http/operations.js";
import { loadSpec } from "../src/spec.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available && process.env.CI)
  throw new Error(`CI needs Chromium at ${CHROMIUM} for the docs test`);
if (!available) console.warn(`docs test skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);

describe.skipIf(!available)("interactive docs at /docs", () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // As the machine notes advise: no sandbox as root, and no background calls to Google.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows every operation of both surfaces, with no failed or off-host request", async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    const offHost: string[] = [];
    const origin = new URL(server.baseUrl).origin;
    page.on("requestfailed", (request) =>
      failed.push(`${request.url()} ${request.failure()?.errorText}`),
    );
    page.on("response", (response) => {
      if (response.status() >= 400) failed.push(`${response.url()} ${response.status()}`);
    });
    page.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(origin) && !url.startsWith("data:")) offHost.push(url);
    });
    page.on("pageerror", (error) => failed.push(`page error: ${error.message}`));

    await page.goto(`${server.baseUrl}/docs`, { waitUntil: "networkidle" });
    const spec = loadSpec().document;
    const operationIds = specOperations(spec).map((op) => op.operationId);
    // Swagger UI files each operation under its first tag: Contacts or Identities.
    const tagOf = (operationId: string) =>
      Object.values(spec.paths)
        .flatMap((item) => Object.values(item) as { operationId?: string; tags?: string[] }[])
        .find((operation) => operation?.operationId === operationId)?.tags?.[0];
    for (const operationId of operationIds) {
      await page
        .locator(`#operations-${tagOf(operationId)}-${operationId}`)
        .waitFor({ timeout: 15_000 });
    }
    expect(await page.locator(".opblock").count()).toBe(operationIds.length);
    expect(await page.locator(".info .title").textContent()).toContain("Contacts API");
    expect(failed).toEqual([]);
    expect(offHost).toEqual([]);
  }, 60_000);
});
