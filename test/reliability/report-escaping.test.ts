/**
 * Hostile text from a real run directory reaches reports as text: a scenario whose title and labels
 * hold markup, and a workload whose log gives its metric a unit made of markup, quotes and control
 * characters, are run, reported with `buildReport` from the run directory, and rendered. In Chromium
 * (scripts enabled) nothing runs, nothing loads and the text reads as written; in Markdown every
 * markup character is escaped and no control character reaches a terminal or a CI summary.
 * (test/report/browser.test.ts checks a hostile report model built in code; this one starts from logs.)
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildReport, renderReport } from "../../src/report/index.js";
import { renderHtml } from "../../src/report/html/index.js";
import { browserAvailability, launchChromium, openOffline } from "../report/browser.js";
import { makeHost, markerFor, removeTempDirs, runHere, scenario, type InProcessRun } from "./helpers.js";

afterAll(removeTempDirs);

const TITLE = `<script>alert("title")</script> "double" 'single' & </svg>`;
const LABEL = `<img src=x onerror=alert('label')>`;
/**
 * What the log prints as the unit: a script (called without parentheses, which would end the unit, or
 * `=`, which would end the name), quotes, an entity, a bell and an escape.
 */
const UNIT_IN_LOG = "<script>confirm`unit`</script> \"q\" 'q' &amp; \u0007\u001b";
/** The unit as a label: the control characters replaced. */
const UNIT = "<script>confirm`unit`</script> \"q\" 'q' &amp; \uFFFD\uFFFD";

// eslint-disable-next-line no-control-regex -- control characters are what is looked for
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let run: InProcessRun;

beforeAll(async () => {
  const host = makeHost("T4", "escaping");
  const loaded = scenario(
    host,
    [
      "name: hostile-report",
      `title: ${JSON.stringify(TITLE)}`,
      "gpu: { model: T4 }",
      "layout: { mig: false }",
      `labels: { note: ${JSON.stringify(LABEL)} }`,
      "workloads:",
      "  client:",
      // printf prints the unit as the log would carry it, control characters included.
      `    command: ${JSON.stringify(["sh", "-c", `printf 'Throughput Average (%s) = 247.25\\n' "$1"`, markerFor("escaping"), UNIT_IN_LOG])}`,
      "    parser: triton-client",
      `    metrics: { throughput: { key: ${JSON.stringify(`Throughput Average (${UNIT_IN_LOG})`)} } }`,
      "run: [{ workload: client, on: full-gpu }]",
    ].join("\n"),
  );
  run = await runHere(host, loaded);
  expect(run.exitCode, run.progress.join("\n")).toBe(0);
  expect(run.manifest.executions[0]?.metrics.throughput).toMatchObject({ value: 247.25, unit: UNIT });
});

describe("a report of a run whose scenario and logs hold hostile text", () => {
  it("escapes it in Markdown: markup escaped, no control character", async () => {
    const md = await renderReport(await buildReport({ inputs: [run.dir] }), "md");
    expect(md).toContain("\\<script\\>alert(\"title\")\\</script\\>");
    expect(md).toContain("\\<script\\>confirm\\`unit\\`\\</script\\>");
    expect(md).not.toMatch(/(?<!\\)<(script|img|\/svg)/);
    expect(md).not.toMatch(CONTROL);
  });

  const availability = browserAvailability();
  if (!availability.run) console.warn(`report escaping in Chromium skipped: ${availability.reason}`);

  describe.skipIf(!availability.run)("in Chromium", () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it("shows it as text, with scripts enabled: no script runs, nothing loads, no element is injected", async () => {
      const html = await renderHtml(await buildReport({ inputs: [run.dir] }));
      const { page, requests, consoleErrors, pageErrors, dialogs } = await openOffline(browser, html, "reliability-hostile-run");
      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
      expect(consoleErrors).toEqual([]);
      expect(requests).toEqual([]);
      expect(await page.locator("script").count()).toBe(0);
      expect(await page.locator("img").count()).toBe(0);
      expect(await page.locator("[onerror]").count()).toBe(0);
      expect(await page.locator("h1").innerText()).toContain(TITLE);
      expect(await page.locator("body").innerText()).toContain(UNIT.replace(/\s+/g, " "));
      expect(await page.locator("body").innerText()).toContain(LABEL);
    });
  });
});
