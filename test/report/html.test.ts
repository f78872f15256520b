import { describe, expect, test } from "vitest";
import { renderHtml } from "../../src/report/html/index.js";
import { contentText, escapeHtml } from "../../src/report/html/escape.js";
import { HOSTILE, hostileModel, seedTable1Model } from "./render-fixtures.js";

/** The markup of one section of the page, by its id. */
function section(page: string, id: string): string {
  const match = new RegExp(`<section id="${id}">([\\s\\S]*?)</section>`).exec(page);
  if (!match?.[1]) throw new Error(`no section ${id}`);
  return match[1];
}

const sectionIds = (page: string): string[] => [...page.matchAll(/<section id="([^"]+)">/g)].map((m) => m[1] as string);
const ESCAPED = escapeHtml(HOSTILE);

describe("renderHtml: the study's Table 1", async () => {
  const model = seedTable1Model();
  const page = await renderHtml(model);

  test("is one HTML document whose body starts with the notice, also in the title", () => {
    expect(page.startsWith("<!DOCTYPE html>\n<html lang=\"en\">")).toBe(true);
    expect(page.trimEnd().endsWith("</html>")).toBe(true);
    const notice = escapeHtml(model.notice ?? "");
    expect(page).toMatch(new RegExp(`<body>\\n<p class="notice" role="note">${notice.replace(/[()]/g, "\\$&")}</p>\\n`));
    expect(page).toContain(`<title>${notice} | ${escapeHtml(model.title)}</title>`);
  });

  test("has the sections in reading order, each listed in the contents", () => {
    expect(sectionIds(page)).toEqual(["results", "speedups", "charts", "statistics", "environment", "validity", "notes", "scenarios"]);
    for (const id of sectionIds(page)) expect(page).toContain(`<a href="#${id}">`);
  });

  test("prints the study's table: one column per instance, Avg/Total, the case on its first row, numbers right-aligned", () => {
    const table = section(page, "results");
    expect(table).toMatch(/<th scope="col">case<\/th><th scope="col">metric<\/th>(<th scope="col" class="num">\d<\/th>){7}<th scope="col" class="num">Avg\/Total<\/th>/);
    expect(table.match(/<tbody>/g)).toHaveLength(4);
    for (const figure of ["5539.02 (Avg)", "224.04 (Total)", "8207.05 (Avg)", "151.20 (Total)", "10360.54 (Total)", "26398.33 (Total)", "47.01 (Avg)"])
      expect(table).toContain(`<td class="num aggregate">${figure}</td>`);
    expect(table).toContain(`<td class="num value">5542.00</td>`);
    // The second row of a case leaves the case cell empty, like the study.
    expect(table).toMatch(/<tr><th scope="rowgroup" class="case">A100 MIG: 7 models on 7 MIG devices simultaneously<span[^]*?<\/tr><tr><td><\/td><th scope="row" class="metric">throughput \(sequences\/s\)<\/th>/);
  });

  test("prints the speedups the study reported, and the recomputed published figure that agrees", () => {
    const speedups = section(page, "speedups");
    for (const x of ["1.48x", "1.87x", "4.77x"]) expect(speedups.match(new RegExp(`<td class="num speedup">${x.replace(".", "\\.")}</td>`, "g"))).toHaveLength(2);
    expect(speedups).not.toContain("differs");
    expect(speedups).toContain("1.48x faster");
    expect(speedups).toContain("4.77x the throughput");
  });

  test("draws each chart as inline SVG with its vega-lite spec beside it", () => {
    const charts = section(page, "charts");
    expect(charts.match(/<figure id="chart-\d" data-chart-id="[^"]+">/g)).toHaveLength(model.charts.length);
    expect(charts.match(/<svg /g)).toHaveLength(model.charts.length);
    expect(charts.match(/<details class="spec"><summary>vega-lite specification<\/summary><pre>\{/g)).toHaveLength(model.charts.length);
    expect(charts).not.toContain("could not be drawn");
  });

  test("references nothing outside the file and runs no script", () => {
    expect(page).not.toMatch(/https?:\/\//i);
    expect(page).not.toMatch(/<script|<link|<img|<iframe|<object|<embed|\ssrc=|url\(|@import/i);
    expect([...page.matchAll(/href="([^"]*)"/g)].map((m) => m[1]).every((href) => href?.startsWith("#"))).toBe(true);
  });

  test("embeds each case's imported table as its scenario text", () => {
    const scenarios = section(page, "scenarios");
    expect(scenarios.match(/<pre class="source">/g)).toHaveLength(4);
    expect(scenarios).toContain("table1-t4-7-serial,T4: 7 models in serial,T4,full-gpu,serial");
  });
});

describe("renderHtml: hostile text and every optional part", async () => {
  const model = hostileModel();
  const page = await renderHtml(model);

  test("no hostile text survives unescaped, wherever it came from", () => {
    expect(page).not.toContain(HOSTILE);
    expect(page).not.toMatch(/<script/i);
    expect(page.match(/<svg /g)?.length).toBe(page.match(/<\/svg>/g)?.length);
    expect(page.match(/<svg /g)).toHaveLength(model.charts.length);
    const where: Readonly<Record<string, readonly string[]>> = {
      results: [`case ${ESCAPED}`],
      statistics: [`inst-${ESCAPED}`],
      environment: [`535.104 ${ESCAPED}`, `<dt>label ${ESCAPED}</dt>`, `/runs/${ESCAPED}`],
      validity: [`reason ${ESCAPED}`, `warning ${ESCAPED}`, `table note ${ESCAPED}`],
      notes: [`note ${ESCAPED}`],
      scenarios: [`scenarios/${ESCAPED}.yaml`, `title: &quot;${ESCAPED}&quot;`],
      definition: [`reports/${ESCAPED}.yaml`],
    };
    for (const [id, texts] of Object.entries(where)) for (const text of texts) expect(section(page, id), `${id}: ${text}`).toContain(text);
    expect(page).toContain(`<title>Simulated GPU ${ESCAPED} | Report ${ESCAPED}</title>`);
    expect(page).toContain(`<body>\n<p class="notice" role="note">Simulated GPU ${ESCAPED}</p>`);
    expect(page).toContain(`<p class="description">Description ${ESCAPED}</p>`);
  });

  test("hostile labels inside the SVG charts and the spec JSON are text", () => {
    const charts = section(page, "charts");
    expect(charts).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    // The spec's JSON is element content: quotes escaped for JSON only, markup for HTML.
    expect(charts).toContain(`\\"quotes\\" &amp; &lt;/svg&gt;`);
    const specs = [...charts.matchAll(/<pre>([^<]*)<\/pre>/g)].map((m) => m[1] ?? "");
    expect(specs).toHaveLength(model.charts.length);
    // Unescaped, each reads back as its chart's spec.
    const unescape = (text: string): string => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    expect(specs.map((text) => JSON.parse(unescape(text)))).toEqual(model.charts.map((c) => c.spec));
  });

  test("per-instance statistics: summary, interval, and outliers flagged but kept", () => {
    const stats = section(page, "statistics");
    expect(stats).toMatch(/<td class="num">4<\/td><td class="num">15\.75<\/td><td class="num">11\.50<\/td><td class="num">9\.54<\/td><td class="num">60\.54%<\/td><td class="num">0\.58 – 30\.92<\/td><td class="num">10\.00<\/td><td class="num">30\.00<\/td>/);
    expect(stats).toContain(`<mark class="outlier" title="outlier (Tukey's fences, 1.5 IQR), kept">30.00 (outlier)</mark>`);
    expect(stats).toContain("1 outlier value(s) flagged");
    // One value shows no spread: no sd, cv or interval rather than zeros.
    expect(stats).toContain(`<td class="num">1</td><td class="num">6.47</td><td class="num">6.47</td><td class="num">—</td><td class="num">—</td><td class="num">—</td>`);
  });

  test("speedups: interval, a published figure that differs, and latency read as a multiple of the latency", () => {
    const speedups = section(page, "speedups");
    expect(speedups).toContain(`<td class="num">1.50x – 2.60x</td><td class="num differs">1.90x (differs)</td><td>2.00x the throughput</td>`);
    expect(speedups).toContain("at 1.72x the latency");
  });

  test("validity verdict per case", () => {
    const validity = section(page, "validity");
    expect(validity).toContain(`<p class="verdict invalid">NOT valid:</p><ul><li>reason ${ESCAPED}</li></ul>`);
    expect(validity).toContain(`<p class="verdict valid">Valid.</p>`);
  });

  test("sections without data are left out", async () => {
    const bare = await renderHtml({ ...model, notice: null, description: undefined, cases: [], speedups: [], charts: [], notes: [], definition: null });
    expect(sectionIds(bare)).toEqual([]);
    expect(bare).toMatch(/<body>\n\n<header>/);
    expect(bare).not.toContain("<svg");
  });
});

describe("escaping", () => {
  test("attribute-safe text escapes quotes; element content escapes markup only", () => {
    expect(escapeHtml(`a "b" <c> & 'd'`)).toBe("a &quot;b&quot; &lt;c&gt; &amp; &#39;d&#39;");
    expect(contentText(`a "b" <c> & 'd' </pre><script>`).value).toBe(`a "b" &lt;c&gt; &amp; 'd' &lt;/pre&gt;&lt;script&gt;`);
    expect(contentText("plain").value).toBe("plain");
  });
});
