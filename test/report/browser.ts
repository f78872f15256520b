/**
 * Opening HTML in Debian's Chromium through playwright-core, offline: every request other than the page
 * itself is aborted and recorded, and so are console errors, uncaught page errors and dialogs (an
 * `alert()` from injected script). Shared by tests that check what a report does in a real browser.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.MIGBENCH_CHROMIUM ?? "/usr/bin/chromium";

/** Where browser tests leave their pages and screenshots (ignored by git). */
export const TEST_OUTPUT = fileURLToPath(new URL("../../test-output/", import.meta.url));

/**
 * Whether the browser tests run: they skip, with the reason, where Chromium is missing, except under CI
 * (CI=true), where a missing browser must fail the test rather than hide it.
 */
export function browserAvailability(): { readonly run: boolean; readonly reason: string | null } {
  if (existsSync(CHROMIUM)) return { run: true, reason: null };
  const reason = `Chromium not found at ${CHROMIUM} (install Debian's chromium, or set MIGBENCH_CHROMIUM)`;
  return { run: process.env.CI === "true", reason };
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(browserAvailability().reason ?? `Chromium not found at ${CHROMIUM}`);
  // Root in a container has no user namespaces for Chromium's sandbox.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false });
}

export interface OfflinePage {
  readonly page: Page;
  /** The file the page was loaded from. */
  readonly file: string;
  /** Every request other than the page itself (all aborted). */
  readonly requests: string[];
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  /** Messages of dialogs the page opened (alert, confirm, prompt), all dismissed. */
  readonly dialogs: string[];
}

/** Writes `html` to `test-output/<name>.html` and opens it from its file:// URL with no other request allowed. */
export async function openOffline(browser: Browser, html: string, name: string, options: { readonly javaScriptEnabled?: boolean } = {}): Promise<OfflinePage> {
  await mkdir(TEST_OUTPUT, { recursive: true });
  const file = path.join(TEST_OUTPUT, `${name}.html`);
  await writeFile(file, html);
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ javaScriptEnabled: options.javaScriptEnabled ?? true, offline: true });
  const page = await context.newPage();
  const opened: OfflinePage = { page, file, requests: [], consoleErrors: [], pageErrors: [], dialogs: [] };
  await context.route("**/*", (route) => {
    if (route.request().url() === url) return route.continue();
    opened.requests.push(route.request().url());
    return route.abort();
  });
  // Requests the router never sees (data: URLs, for one) still count.
  page.on("request", (request) => {
    if (request.url() !== url && !opened.requests.includes(request.url())) opened.requests.push(request.url());
  });
  page.on("console", (message) => {
    if (message.type() === "error") opened.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => opened.pageErrors.push(error.message));
  page.on("dialog", (dialog) => {
    opened.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(url, { waitUntil: "load" });
  return opened;
}
