/**
 * The console at /console in Debian's Chromium, against the real server (port 0, real SQLite)
 * holding contacts and usage events recorded through the API: sign in, search, filter by tag,
 * page forward and back, open a contact, edit it (a validation error, an If-Match conflict made
 * through the API meanwhile), see its usage drawn from the recorded events, the top contacts,
 * delete a contact, sign out. Every screen is checked with axe-core and saved as a screenshot.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchChromium } from "./support/chromium.js";
import {
  expectAccessible,
  type PageWatch,
  screenshot,
  watchedPage,
} from "./support/console-page.js";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

const available = chromiumAvailable("console test");
const HOUR = 3_600_000;
/** The list's page size (apps/console/src/views/contacts-list.tsx). */
const PAGE_SIZE = 20;
const FILLERS = 24; // + Ada and Grace: 26 contacts, so page 2 holds 6

interface Seeded {
  events: {
    id: string;
    contact: string;
    timestamp: string;
    cost: number;
    tokens: number;
    error?: boolean;
  }[];
}

/** 24 people, then Grace, then Ada (the newest); usage events for Ada and Grace. */
async function seed(ws: TestWorkspace, now: number): Promise<Seeded> {
  for (let i = 1; i <= FILLERS; i++) {
    const n = String(i).padStart(2, "0");
    const tags = [...(i % 2 === 1 ? ["beta"] : []), ...(i % 5 === 0 ? ["vip"] : [])];
    await ws.client.contacts.create({
      external_id: `person-${n}`,
      display_name: `Person ${n}`,
      email: `person${n}@example.com`,
      tags,
    });
  }
  await ws.client.contacts.create({
    external_id: "grace",
    display_name: "Grace Hopper",
    email: "grace@example.com",
    tags: ["vip"],
  });
  await ws.client.contacts.create({
    external_id: "ada",
    display_name: "Ada Lovelace",
    email: "ada@example.com",
    tags: ["vip", "beta"],
    metadata: { plan: "pro", limits: { daily: 5, monthly: 100 }, regions: ["eu", "us"] },
  });
  const at = (ms: number) => new Date(now - ms).toISOString();
  const events = [
    { id: "e1", contact: "ada", timestamp: at(1 * HOUR), cost: 0.5, tokens: 1000 },
    { id: "e2", contact: "ada", timestamp: at(2 * HOUR), cost: 0.25, tokens: 500, error: true },
    { id: "e3", contact: "ada", timestamp: at(72 * HOUR), cost: 1.25, tokens: 2000 },
    { id: "e4", contact: "grace", timestamp: at(24 * HOUR), cost: 5, tokens: 100 },
    { id: "e5", contact: "grace", timestamp: at(1 * HOUR), cost: 0.5, tokens: 50, error: true },
  ];
  const recorded = await ws.client.usage.record(events);
  expect(recorded.accepted).toBe(events.length);
  return { events };
}

/** The text of each body row of the table with this caption. */
async function rows(page: Page, caption: RegExp): Promise<string[][]> {
  const table = page.locator("table", { has: page.locator("caption", { hasText: caption }) });
  await table.waitFor();
  return table
    .locator("tbody tr")
    .evaluateAll((trs) =>
      trs.map((tr) =>
        [...tr.querySelectorAll("th, td")].map((cell) => cell.textContent?.trim() ?? ""),
      ),
    );
}

const CONTACTS = /^Contacts, newest first/;

/** How many items the page's sessionStorage holds (run in the page). */
function storedItems(): number {
  return (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length;
}

describe.skipIf(!available)("the console at /console", () => {
  let server: TestServer;
  let browser: Browser;
  let ws: TestWorkspace;
  let watch: PageWatch;
  let page: Page;
  let seeded: Seeded;

  beforeAll(async () => {
    server = await startTestServer();
    ws = await server.workspace("console");
    // Another workspace's contact, which the console must never show.
    await (await server.workspace("elsewhere")).client.contacts.create({
      external_id: "ada-elsewhere",
      display_name: "Ada Elsewhere",
    });
    seeded = await seed(ws, Date.now());
    browser = await launchChromium();
    watch = await watchedPage(browser, new URL(server.baseUrl).origin);
    page = watch.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("refuses a wrong key with a clear message, then signs in with the workspace's key", async () => {
    await page.goto(`${server.baseUrl}/console/`);
    await page
      .getByLabel("API key")
      .fill("ck_0000000000000000_wrongwrongwrongwrongwrongwrongwrongwrongwro");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toMatch(/not accepted: it is wrong or has been revoked/);
    await expectAccessible(page, "sign-in");
    await screenshot(page, "01-sign-in");

    await page.getByLabel("API key").fill(ws.apiKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Contacts" }).waitFor();
    const list = await rows(page, CONTACTS);
    expect(list).toHaveLength(PAGE_SIZE);
    // Newest first, with the 30-day metrics from the recorded events.
    expect(list[0]).toEqual([
      "Ada Lovelace",
      "ada@example.com",
      "ada",
      "vipbeta",
      "$2.00",
      "3",
      "33.3%",
    ]);
    expect(list[1]?.slice(0, 3)).toEqual(["Grace Hopper", "grace@example.com", "grace"]);
    expect(list[2]?.[0]).toBe("Person 24");
    expect(await page.evaluate(storedItems)).toBe(1);
    await expectAccessible(page, "contacts");
    await screenshot(page, "02-contacts");
  }, 60_000);

  it("searches as you type, and the URL holds the search", async () => {
    // "/" jumps to the search box; typing there searches.
    await page.locator("body").press("/");
    expect(
      await page.getByLabel("Search").evaluate((el) => el === el.ownerDocument.activeElement),
    ).toBe(true);
    await page.keyboard.type("lovel", { delay: 30 });
    await expect.poll(() => new URL(page.url()).searchParams.get("q")).toBe("lovel");
    await expect
      .poll(async () => (await rows(page, CONTACTS)).map((r) => r[0]))
      .toEqual(["Ada Lovelace"]);
    // A bookmark of this URL opens the same search.
    await page.goto(page.url());
    await expect
      .poll(async () => (await rows(page, CONTACTS)).map((r) => r[0]))
      .toEqual(["Ada Lovelace"]);
    expect(await page.getByLabel("Search").inputValue()).toBe("lovel");
    await page.getByLabel("Search").fill("");
    await expect.poll(() => new URL(page.url()).searchParams.has("q")).toBe(false);
    await expect.poll(async () => (await rows(page, CONTACTS)).length).toBe(PAGE_SIZE);
  }, 60_000);

  it("filters by tag with chips, and removes the filter", async () => {
    // A tag in a row adds it to the filter.
    await page.getByRole("button", { name: "vip", exact: true }).first().click();
    await expect.poll(() => new URL(page.url()).searchParams.get("tags")).toBe("vip");
    await expect
      .poll(async () => (await rows(page, CONTACTS)).map((r) => r[0]))
      .toEqual([
        "Ada Lovelace",
        "Grace Hopper",
        "Person 20",
        "Person 15",
        "Person 10",
        "Person 05",
      ]);
    // A second tag narrows it (contacts with all the tags), typed into the filter box.
    await page.getByLabel("Filter by tag").fill("beta");
    await page.getByLabel("Filter by tag").press("Enter");
    await expect
      .poll(async () => (await rows(page, CONTACTS)).map((r) => r[0]))
      .toEqual(["Ada Lovelace", "Person 15", "Person 05"]);
    await expectAccessible(page, "contacts filtered");
    await screenshot(page, "03-contacts-filtered");
    await page.getByRole("button", { name: "Remove tag filter vip" }).click();
    await page.getByRole("button", { name: "Remove tag filter beta" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.has("tags")).toBe(false);
    await expect.poll(async () => (await rows(page, CONTACTS)).length).toBe(PAGE_SIZE);
  }, 60_000);

  it("pages forward and back with the cursor in the URL", async () => {
    const previous = page.getByRole("button", { name: "← Previous" });
    const next = page.getByRole("button", { name: "Next →" });
    expect(await previous.isDisabled()).toBe(true);
    const first = await rows(page, CONTACTS);
    await next.click();
    await expect.poll(() => new URL(page.url()).searchParams.has("after")).toBe(true);
    await expect
      .poll(async () => (await rows(page, CONTACTS)).map((r) => r[0]))
      .toEqual(["Person 06", "Person 05", "Person 04", "Person 03", "Person 02", "Person 01"]);
    expect(await next.isDisabled()).toBe(true);
    await screenshot(page, "04-contacts-page-2");
    await previous.click();
    await expect.poll(() => new URL(page.url()).searchParams.has("before")).toBe(true);
    await expect
      .poll(async () => (await rows(page, CONTACTS)).map((r) => r[0]))
      .toEqual(first.map((r) => r[0]));
    // The browser's Back button returns to page 2.
    await page.goBack();
    await expect.poll(async () => (await rows(page, CONTACTS))[0]?.[0]).toBe("Person 06");
    await page.goBack();
    await expect.poll(async () => (await rows(page, CONTACTS))[0]?.[0]).toBe("Ada Lovelace");
  }, 60_000);

  it("opens a contact: its fields, metadata as a tree, and usage drawn from the recorded events", async () => {
    await page.getByRole("link", { name: "Ada Lovelace" }).click();
    await page.getByRole("heading", { level: 1, name: "Ada Lovelace" }).waitFor();
    const details = page.locator("dl.fields");
    await expect.poll(() => details.textContent()).toContain("ada@example.com");
    const tree = (await page.locator("ul.tree").first().textContent()) ?? "";
    expect(tree).toMatch(/plan: "pro"/);
    expect(tree).toMatch(/limits:\s*daily: 5\s*monthly: 100/);
    expect(tree).toMatch(/regions:\s*\[0\]: "eu"\s*\[1\]: "us"/);

    // The last 30 days by day: one row per UTC day that has events, with their sums.
    const ada = seeded.events.filter((e) => e.contact === "ada");
    const days = new Map<
      string,
      { cost: number; tokens: number; requests: number; failed: number }
    >();
    for (const e of ada) {
      const day = e.timestamp.slice(0, 10);
      const sum = days.get(day) ?? { cost: 0, tokens: 0, requests: 0, failed: 0 };
      days.set(day, {
        cost: sum.cost + e.cost,
        tokens: sum.tokens + e.tokens,
        requests: sum.requests + 1,
        failed: sum.failed + (e.error ? 1 : 0),
      });
    }
    const byDay = await rows(page, /^Usage by day/);
    expect(byDay.map((r) => r[0])).toEqual([...days.keys()].sort());
    for (const row of byDay) {
      const want = days.get(row[0] ?? "");
      expect(row.slice(2, 5)).toEqual([
        want?.tokens.toLocaleString("en-US"),
        String(want?.requests),
        String(want?.failed),
      ]);
      expect(Number(row[1]?.replace("$", ""))).toBeCloseTo(want?.cost ?? -1, 6);
    }
    const total = ada.reduce((sum, e) => sum + e.cost, 0);
    expect(await page.getByTestId("usage-totals").textContent()).toBe(
      `Total: $${total.toFixed(2)} · 3,500 tokens · 3 requests · 1 failed`,
    );
    // The chart itself: a drawn canvas, labelled for screen readers.
    expect(await page.locator(".plot canvas").count()).toBeGreaterThan(0);
    expect(await page.getByRole("img", { name: /Cost \(USD\) by day/ }).count()).toBe(1);
    await expectAccessible(page, "contact");
    await screenshot(page, "05-contact");

    // The last 24 hours by hour: the two recent events, each in its own hour.
    await page.getByLabel("Period").selectOption({ label: "Last 24 hours" });
    await page.getByLabel("Show").selectOption({ label: "Tokens" });
    const byHour = await rows(page, /^Usage by hour/);
    const recent = ada.filter((e) => Date.parse(e.timestamp) > Date.now() - 24 * HOUR);
    expect(byHour.map((r) => r[0])).toEqual(
      recent.map((e) => `${e.timestamp.slice(0, 10)} ${e.timestamp.slice(11, 14)}00`).sort(),
    );
    expect(await page.getByRole("img", { name: /Tokens by hour/ }).count()).toBe(1);
    await screenshot(page, "06-contact-usage-hourly");
  }, 60_000);

  it("edits a contact: a validation error beside its field, then a merge patch that saves", async () => {
    await page.getByRole("button", { name: "Edit" }).click();
    const metadata = page.getByLabel("Metadata (JSON)");
    await metadata.fill('{"plan": "pro",');
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => metadata.getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator("#edit-metadata-error").textContent()).toMatch(/Not valid JSON/);
    // The server's own validation, shown beside the field it names.
    await metadata.fill('{"plan": "team", "limits": {"daily": 5}}');
    await page.getByLabel("Email").fill("not an email");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByLabel("Email").getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator("#edit-email-error").textContent()).not.toBe("");
    await expectAccessible(page, "edit with errors");
    await screenshot(page, "07-contact-edit-errors");
    expect((await ws.client.contacts.retrieve("ada")).email).toBe("ada@example.com");

    await page.getByLabel("Email").fill("ada@analytical.example");
    await page.getByLabel("Display name").fill("Ada King");
    await page.getByLabel("Tags").fill("vip, founder");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await page.getByRole("heading", { level: 1, name: "Ada King" }).waitFor();
    const stored = await ws.client.contacts.retrieve("ada");
    expect(stored).toMatchObject({
      display_name: "Ada King",
      email: "ada@analytical.example",
      tags: ["vip", "founder"],
      // Removed keys removed at every depth; the untouched array kept out of the patch.
      metadata: { plan: "team", limits: { daily: 5 } },
    });
  }, 60_000);

  it('says "changed since you opened it" when the contact changed meanwhile, and overwrites nothing', async () => {
    await page.getByRole("button", { name: "Edit" }).click();
    await ws.client.contacts.update("ada", { display_name: "Changed elsewhere" });
    await page.getByLabel("Display name").fill("Mine");
    await page.getByRole("button", { name: "Save" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "changed since you opened it" });
    await alert.waitFor();
    await expectAccessible(page, "edit conflict");
    await screenshot(page, "08-contact-edit-conflict");
    expect((await ws.client.contacts.retrieve("ada")).display_name).toBe("Changed elsewhere");
    await page.getByRole("button", { name: "Load the current version" }).click();
    await page.getByRole("heading", { level: 1, name: "Changed elsewhere" }).waitFor();
  }, 60_000);

  it("shows the top contacts for a period, by cost and by requests", async () => {
    await page.getByRole("link", { name: "Overview" }).click();
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    const TOP = /^Top contacts by/;
    await expect
      .poll(async () => (await rows(page, TOP)).map((r) => r.slice(0, 3)))
      .toEqual([
        ["1", "Grace Hopper", "$5.50"],
        ["2", "Changed elsewhere", "$2.00"],
      ]);
    expect(await page.locator("svg.bars rect").count()).toBe(2);
    expect(await page.locator("svg.bars").textContent()).toContain("Grace Hopper$5.50");
    await expectAccessible(page, "overview");
    await screenshot(page, "09-overview");
    await page.getByLabel("Top contacts by", { exact: true }).selectOption("requests");
    await expect.poll(() => new URL(page.url()).searchParams.get("by")).toBe("requests");
    await expect
      .poll(async () => (await rows(page, TOP)).map((r) => [r[1], r[4], r[5]]))
      .toEqual([
        ["Changed elsewhere", "3", "33.3%"],
        ["Grace Hopper", "2", "50%"],
      ]);
    // Today only: Grace's event of yesterday drops out (unless "yesterday" is today in UTC).
    await page.getByLabel("Period (UTC days)", { exact: true }).selectOption("1");
    await expect.poll(() => new URL(page.url()).searchParams.get("days")).toBe("1");
    const today = new Date().toISOString().slice(0, 10);
    const todays = seeded.events.filter((e) => e.timestamp.startsWith(today));
    const grace = todays.filter((e) => e.contact === "grace").length;
    await expect
      .poll(async () => (await rows(page, TOP)).find((r) => r[1] === "Grace Hopper")?.[4])
      .toBe(grace > 0 ? String(grace) : undefined);
  }, 60_000);

  it("deletes a contact after a confirmation", async () => {
    await page.goto(`${server.baseUrl}/console/?q=person-03`);
    await page.getByRole("link", { name: "Person 03" }).click();
    await page.getByRole("heading", { level: 1, name: "Person 03" }).waitFor();
    await page.getByRole("button", { name: "Delete" }).click();
    const confirm = page.getByRole("button", { name: "Yes, delete" });
    await confirm.waitFor();
    // Focus moves to the confirmation; Cancel would keep the contact.
    expect(await confirm.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await expectAccessible(page, "delete confirmation");
    await screenshot(page, "10-contact-delete");
    await confirm.click();
    await page.getByRole("heading", { level: 1, name: "Contact deleted" }).waitFor();
    await expect(ws.client.contacts.retrieve("person-03")).rejects.toMatchObject({ status: 404 });
  }, 60_000);

  it("signs out: the key leaves the tab, and it was never in a URL", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { level: 1, name: "Contacts console" }).waitFor();
    expect(await page.evaluate(storedItems)).toBe(0);
    await page.goto(`${server.baseUrl}/console/`);
    await page.getByLabel("API key").waitFor();
    await screenshot(page, "11-signed-out");
    expect(watch.urls.filter((url) => url.includes(ws.apiKey))).toEqual([]);
    expect(watch.urls.some((url) => url.includes("ada-elsewhere"))).toBe(false);
    expect(watch.problems).toEqual([]);
    expect(server.specProblems()).toEqual([]);
  }, 60_000);
});
