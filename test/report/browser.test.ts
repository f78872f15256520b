import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildReport } from "../../src/report/build.js";
import { renderHtml } from "../../src/report/html/index.js";
import { browserAvailability, launchChromium, openOffline, TEST_OUTPUT } from "./browser.js";
import { HOSTILE, hostileModel } from "./render-fixtures.js";

const TABLE1 = fileURLToPath(new URL("../../reports/table1.yaml", import.meta.url));

const availability = browserAvailability();
if (!availability.run) console.warn(`browser.test.ts skipped: ${availability.reason}`);

describe.skipIf(!availability.run)("the HTML report of the study's Table 1 in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test("shows the table, the speedups and the charts, offline and without script, and is screenshotted", async () => {
    // The study's Table 1 as `bench report reports/table1.yaml` builds it (from reports/data/seed-table1.csv).
    const model = await buildReport({ definition: TABLE1, now: new Date("2026-11-25T12:00:00Z") });
    expect(model.charts.map((c) => c.id)).toEqual(expect.arrayContaining(["speedups", "case-aggregates"]));
    // Without JavaScript: the report must read the same with scripts off.
    const { page, requests, consoleErrors, pageErrors, dialogs } = await openOffline(browser, await renderHtml(model), "report-table1", { javaScriptEnabled: false });

    expect(await page.title()).toBe(`${model.notice} | ${model.title}`);
    expect(await page.locator("body > :first-child").getAttribute("class")).toBe("notice");
    expect(await page.locator("body > :first-child").innerText()).toBe(model.notice);

    const table = await page.locator("#results table").innerText();
    for (const figure of ["5539.02", "224.04", "8207.05"]) expect(table).toContain(figure);
    const speedups = await page.locator("#speedups table").innerText();
    for (const figure of ["1.48x", "1.87x", "4.77x"]) expect(speedups).toContain(figure);
    // Right-aligned numbers, as laid out.
    // (A string: this project's TypeScript has no DOM library.)
    expect(await page.evaluate(`getComputedStyle(document.querySelector("#results td.aggregate")).textAlign`)).toBe("right");

    const charts = page.locator("#charts figure svg");
    expect(await charts.count()).toBe(model.charts.length);
    for (const svg of await charts.all()) {
      expect(await svg.isVisible()).toBe(true);
      const box = await svg.boundingBox();
      expect(box?.width).toBeGreaterThan(200);
      expect(box?.height).toBeGreaterThan(100);
    }
    expect(await page.locator("#charts svg text", { hasText: "4.77x" }).count()).toBeGreaterThan(0);

    const screenshot = path.join(TEST_OUTPUT, "report-table1.png");
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);

    expect(requests).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });

  test("hostile text from cases, logs and scenarios shows as text and runs nothing, with scripts enabled", async () => {
    const model = hostileModel();
    const { page, requests, consoleErrors, pageErrors, dialogs } = await openOffline(browser, await renderHtml(model), "report-hostile");
    expect(await page.locator("body > :first-child").innerText()).toBe(model.notice);
    expect(await page.locator("script").count()).toBe(0);
    expect(await page.locator("h1").innerText()).toBe(`Report ${HOSTILE}`);
    expect(await page.locator("#scenarios pre").innerText()).toContain(`title: "${HOSTILE}"`);
    // Every chart is a separate, whole SVG element: no label closed one early.
    expect(await page.locator("#charts figure > .chart > svg").count()).toBe(model.charts.length);
    const screenshot = path.join(TEST_OUTPUT, "report-hostile.png");
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);
    expect(requests).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });

  test("the offline page records what a page asks for, so the checks above can fail", async () => {
    const html = `<!DOCTYPE html><html><head><link rel="stylesheet" href="https://cdn.example.invalid/x.css"></head><body><img src="http://127.0.0.1:9/x.png"><script>console.error("boom"); alert("hi")</script></body></html>`;
    const { requests, consoleErrors, dialogs } = await openOffline(browser, html, "offline-probe");
    expect(requests).toEqual(expect.arrayContaining(["https://cdn.example.invalid/x.css", "http://127.0.0.1:9/x.png"]));
    expect(consoleErrors).toContain("boom");
    expect(dialogs).toEqual(["hi"]);
  });
});
