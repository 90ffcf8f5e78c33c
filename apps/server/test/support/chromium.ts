import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/**
 * Debian's Chromium for browser tests, driven by playwright-core (no browser download). `.ci/run`
 * installs it; without it a browser test is skipped with a warning, except under CI, where its
 * absence fails the run.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Whether Chromium is there; warns (or throws under CI) when it is not. */
export function chromiumAvailable(testName: string): boolean {
  const available = existsSync(CHROMIUM);
  if (!available && process.env.CI) {
    throw new Error(`CI needs Chromium at ${CHROMIUM} for the ${testName}`);
  }
  if (!available) {
    console.warn(`${testName} skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);
  }
  return available;
}

/** A headless Chromium: no sandbox (tests run as root here), no background calls to Google. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
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
}
