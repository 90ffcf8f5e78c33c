/**
 * /docs in a real headless browser: Swagger UI renders every operation of openapi.yaml from the
 * server's own /openapi.json, the page loads nothing from any other host (it works offline), `/`
 * leads there, and "Try it out" never offers a shared Idempotency-Key. Chromium comes from
 * Debian's package (support/chromium.ts).
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { specOperations } from "../src/http/operations.js";
import { loadSpec } from "../src/spec.js";
import { chromiumAvailable, launchChromium } from "./support/chromium.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const available = chromiumAvailable("docs test");

describe("the spec offers no Idempotency-Key to copy", () => {
  it("has no example or default for the header, and says how to make one", () => {
    const components = loadSpec().document.components as {
      parameters: Record<string, Record<string, unknown>>;
    };
    const parameter = components.parameters.IdempotencyKey ?? {};
    expect(parameter.name).toBe("Idempotency-Key");
    const schema = parameter.schema as Record<string, unknown>;
    for (const key of ["example", "examples"]) {
      expect(parameter[key]).toBeUndefined();
      expect(schema[key]).toBeUndefined();
    }
    expect(schema.default).toBeUndefined();
    expect(parameter.description).toMatch(/fresh for each logical request/);
    expect(parameter.description).toMatch(/UUID/);
  });
});

describe.skipIf(!available)("interactive docs at /docs", () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
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
    await page.close();
  }, 60_000);

  it("is where / leads", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/`, { waitUntil: "networkidle" });
    expect(new URL(page.url()).pathname).toBe("/docs");
    await page.locator("#operations-Contacts-createContact").waitFor({ timeout: 15_000 });
    await page.close();
  }, 60_000);

  it('leaves the Idempotency-Key of "Try it out" empty: the request and its curl carry none', async () => {
    const page = await browser.newPage();
    const sent: (string | undefined)[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && new URL(request.url()).pathname === "/v2/contacts") {
        sent.push(request.headers()["idempotency-key"]);
      }
    });
    await page.goto(`${server.baseUrl}/docs`, { waitUntil: "networkidle" });
    const operation = page.locator("#operations-Contacts-createContact");
    await operation.locator(".opblock-summary").click();
    await operation.locator("button.try-out__btn").click();
    const field = operation.locator('tr[data-param-name="Idempotency-Key"] input');
    await field.waitFor({ timeout: 15_000 });
    expect(await field.inputValue()).toBe("");
    for (let i = 0; i < 2; i++) {
      await operation.locator("button.execute").click();
      const curl = operation.locator(".curl-command");
      await curl.waitFor({ timeout: 15_000 });
      expect((await curl.textContent()) ?? "").toContain("/v2/contacts");
      expect((await curl.textContent())?.toLowerCase()).not.toContain("idempotency-key");
      await page.waitForTimeout(200);
    }
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent.every((key) => key === undefined)).toBe(true);
    await page.close();
  }, 60_000);
});
