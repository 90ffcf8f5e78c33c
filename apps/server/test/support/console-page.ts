import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";

/** Where the browser tests leave their screenshots (gitignored: test-results/). */
export const SCREENSHOTS = fileURLToPath(new URL("../../test-results/console/", import.meta.url));

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

/** What went wrong in the page: failed requests, off-host requests, CSP refusals, page errors. */
export interface PageWatch {
  page: Page;
  problems: string[];
  /** Every URL the page requested. */
  urls: string[];
}

/**
 * A page on `origin`, 1280×900, that records anything going wrong. Responses of 4xx are the
 * API's answers (a wrong key is a 401 by design), so only 5xx and failures count as problems.
 */
export async function watchedPage(browser: Browser, origin: string): Promise<PageWatch> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const urls: string[] = [];
  page.on("request", (request) => {
    urls.push(request.url());
    if (!request.url().startsWith(origin)) problems.push(`off-host request ${request.url()}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 500) problems.push(`${response.url()} ${response.status()}`);
  });
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(`CSP: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return { page, problems, urls };
}

/**
 * Runs axe-core in the page (evaluated over the DevTools protocol, which the page's CSP does not
 * govern) and expects no violation of serious or critical impact.
 */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(options: object): Promise<{
            violations: {
              id: string;
              impact: string | null;
              help: string;
              nodes: { target: unknown[] }[];
            }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run({ resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3),
    }));
  });
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious, `axe on ${screen}`).toEqual([]);
}

/** Saves a full-page screenshot as test-results/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = `${SCREENSHOTS}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Signs in through the form and waits for the contacts page. */
export async function signIn(page: Page, baseUrl: string, key: string): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Contacts" }).waitFor();
}
