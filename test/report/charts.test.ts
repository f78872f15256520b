import { afterEach, describe, expect, test, vi } from "vitest";
import { compile, type TopLevelSpec } from "vega-lite";
import { buildCharts, selectCharts } from "../../src/report/charts/index.js";
import { specText } from "../../src/report/html/charts.js";
import { chartRenderer, renderChartSvg } from "../../src/report/html/svg.js";
import type { ChartSpec, ReportCase } from "../../src/report/model.js";
import { percentile, summarize, tukeyOutliers } from "../../src/stats/index.js";
import { HOSTILE, hostileModel, seedTable1Model } from "./render-fixtures.js";

const withoutCharts = <T extends { charts: unknown }>({ charts: _charts, ...rest }: T): Omit<T, "charts"> => rest;
const byId = (charts: readonly ChartSpec[], id: string): ChartSpec => {
  const chart = charts.find((c) => c.id === id);
  if (!chart) throw new Error(`no chart ${id} among ${charts.map((c) => c.id).join(", ")}`);
  return chart;
};
/**
 * The SVG's markup, tag by tag: every tag an SVG drawing element with well-quoted attributes, every `<`
 * starting a tag. A label that broke out of its text or attribute would show up as a foreign tag or attribute.
 */
function markupProblems(svg: string): string[] {
  const tags = svg.match(/<[^>]*>?/g) ?? [];
  const wellFormed = /^<\/?(svg|g|path|rect|line|text|tspan|title|desc|circle|defs|clipPath)(\s+[\w:-]+="[^"<]*")*\s*\/?>$/;
  return tags.filter((t) => !wellFormed.test(t));
}

/** A second case like `first`, with other figures: three latency distributions, slower, and a run twice as long. */
function otherCase(first: ReportCase, id: string, label: string): ReportCase {
  const d = first.latency[0]!;
  const slower = (k: number) => ({ ...d, instanceId: `other.${k}`, p50: d.p50 * 2 + k, p99: d.p99 * 2 + k, max: d.max * 2 + k, sample: d.sample.map((v) => v * 2 + k) });
  return {
    ...first,
    id,
    label,
    instances: first.instances.map((s) => ({ ...s, values: s.values.map((v) => v * 3), summary: summarize(s.values.map((v) => v * 3)) })),
    latency: [slower(1), slower(2), slower(3)],
    telemetry: first.telemetry.map((t) => ({ ...t, points: t.points.map(([x, y]) => [x * 2, y / 2] as const) })),
  };
}

/** Every inline data row of a spec, whatever layer or panel holds it. */
function dataRows(spec: unknown): Record<string, unknown>[] {
  if (Array.isArray(spec)) return spec.flatMap(dataRows);
  if (spec === null || typeof spec !== "object") return [];
  const rows: Record<string, unknown>[] = [];
  for (const [key, value] of Object.entries(spec)) {
    if (key === "data" && value && typeof value === "object" && "values" in value && Array.isArray(value.values)) rows.push(...(value.values as Record<string, unknown>[]));
    else rows.push(...dataRows(value));
  }
  return rows;
}

describe("buildCharts", () => {
  test("the study's Table 1 gives the speedup (Figure 7) and aggregate (Figure 8) charts, and nothing without data", () => {
    const charts = buildCharts(withoutCharts(seedTable1Model()));
    // One value per instance (no spread), no latency samples, no telemetry: no such charts.
    expect(charts.map((c) => c.id)).toEqual(["speedups", "case-aggregates"]);
    const speedups = dataRows(byId(charts, "speedups").spec).filter((r) => "speedup" in r);
    expect(speedups.filter((r) => r.metric === "time").map((r) => r.text)).toEqual(["1.48x", "1.87x", "4.77x"]);
    expect(speedups.filter((r) => r.metric === "throughput").map((r) => r.text)).toEqual(["1.48x", "1.87x", "4.77x"]);
    expect(speedups[0]?.comparison).toBe("vs A100 no MIG: 7 models in 7 containers simultaneously");
    // No interval (one repetition) and the published speedups round to the recomputed ones: no extra layers.
    expect(JSON.stringify(byId(charts, "speedups").spec)).not.toMatch(/"low":\d|diamond/);
    const aggregates = dataRows(byId(charts, "case-aggregates").spec).map((r) => r.text);
    expect(aggregates).toEqual(expect.arrayContaining(["5539.02 (Avg)", "224.04 (Total)", "8207.05 (Avg)", "10360.54 (Total)", "47.01 (Avg)"]));
  });

  test("every kind appears where its data is: intervals, published marks, instances per case, one latency and one telemetry chart across cases", () => {
    const charts = buildCharts(withoutCharts(hostileModel()));
    expect(charts.map((c) => c.id)).toEqual(["speedups", "case-aggregates", "instances:measured-case", "latency", "telemetry"]);
    const speedupRows = dataRows(byId(charts, "speedups").spec);
    expect(speedupRows).toContainEqual(expect.objectContaining({ low: 1.5, high: 2.6 }));
    expect(speedupRows).toContainEqual(expect.objectContaining({ published: 1.9 }));
    const instanceRows = dataRows(byId(charts, "instances:measured-case").spec);
    expect(instanceRows.filter((r) => r.outlier === "outlier").map((r) => r.value)).toEqual([30]);
    expect(instanceRows).toContainEqual(expect.objectContaining({ mean: 15.75 }));
    // The baseline case logged no latency samples and no telemetry: the charts across cases draw the measured case only.
    const latency = byId(charts, "latency");
    expect(latency.cases).toEqual(["measured-case"]);
    expect(dataRows(latency.spec)).toEqual([{ case: `case ${HOSTILE}`, slot: 1, instance: `inst-${HOSTILE}`, least: 4.2, p50: 6.1, p90: 7.2, p95: 7.9, p99: 9.4, max: 12.5 }]);
    // One chart, a panel per field with points (memory_used_mib has none), in the reader's order, each with its unit.
    const telemetry = byId(charts, "telemetry");
    expect(telemetry.cases).toEqual(["measured-case"]);
    const telemetryRows = dataRows(telemetry.spec);
    expect([...new Set(telemetryRows.map((r) => r.panel))]).toEqual(["utilization_gpu_pct (%)", "power_draw_w (W)"]);
    expect(telemetryRows.filter((r) => r.panel === "power_draw_w (W)").map((r) => r.value)).toEqual([60, 310, 330, 120]);
    expect(telemetry.spec).toMatchObject({ facet: { row: { field: "panel", sort: ["utilization_gpu_pct (%)", "power_draw_w (W)"] } }, resolve: { scale: { y: "independent" } } });
    expect(telemetry.caption).toContain("utilization_gpu_pct, power_draw_w");
  });

  test("up to 20 repetitions per instance every one is a dot; more, a box plot of the same quartiles and outliers as the statistics", () => {
    const model = withoutCharts(hostileModel());
    const measured = model.cases[0]!;
    // Four throughput values and one latency value: a dot each, the outlier among them.
    const few = byId(buildCharts(model), "instances:measured-case");
    expect(dataRows(few.spec).filter((r) => "repetition" in r)).toHaveLength(5);
    expect(few.caption).toMatch(/^Bars: mean/);

    // 100 repetitions on two instances, with two high outliers on the first.
    const values = (k: number): number[] => Array.from({ length: 100 }, (_, i) => 100 + k + ((i * 37) % 23) + (i === 10 || i === 50 ? 400 : 0));
    const stats = [1, 2].map((column) => {
      const xs = values(column);
      return { instanceId: `inst.${column}`, column, role: "throughput" as const, unit: "req/s", values: xs, summary: summarize(xs), outliers: tukeyOutliers(xs) };
    });
    const many = byId(buildCharts({ ...model, cases: [{ ...measured, instances: stats }] }), "instances:measured-case");
    expect(many.caption).toMatch(/^Box plots \(more than 20 repetitions per instance\)/);
    const rows = dataRows(many.spec);
    // No dot per repetition: the outliers only, with their repetition.
    expect(stats.map((s) => s.outliers)).toEqual([
      [10, 50],
      [10, 50],
    ]);
    expect(rows.filter((r) => "repetition" in r)).toEqual(stats.flatMap((s) => [10, 50].map((i) => ({ instance: `${s.column}: ${s.instanceId}`, value: s.values[i], repetition: i + 1 }))));
    for (const s of stats) {
      const box = rows.find((r) => r.instance === `${s.column}: ${s.instanceId}` && "q1" in r);
      const inside = s.values.filter((_, i) => !s.outliers.includes(i));
      expect(box).toEqual({
        instance: `${s.column}: ${s.instanceId}`,
        mean: s.summary.mean,
        low: s.summary.ci95?.[0],
        high: s.summary.ci95?.[1],
        q1: percentile(s.values, 0.25),
        median: percentile(s.values, 0.5),
        q3: percentile(s.values, 0.75),
        whiskerLow: Math.min(...inside),
        whiskerHigh: Math.max(...inside),
      });
    }
  });

  test("an empty model has no charts", () => {
    const model = withoutCharts(hostileModel());
    expect(buildCharts({ ...model, cases: [], speedups: [] })).toEqual([]);
  });
});

describe("charts across cases", () => {
  const model = withoutCharts(hostileModel());
  const first = model.cases[0]!;
  const second = otherCase(first, "second-case", "second & <b>bold</b>");
  const none = model.cases[1]!;
  const both = { ...model, cases: [first, none, second] };
  /** The labels of a drawn chart's text, unescaped. */
  const texts = (svg: string): string[] => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => (m[1] ?? "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&"));

  test("one latency chart draws every case's instances on one axis, a band per case in the report's order", async () => {
    const charts = buildCharts(both).filter((c) => c.id.startsWith("latency"));
    expect(charts.map((c) => [c.id, c.cases])).toEqual([["latency", ["measured-case", "second-case"]]]);
    const [latency] = charts as [ChartSpec];
    const rows = dataRows(latency.spec);
    // Every distribution of every case, with its percentiles; three instances take slots 1, 3 and 5 of their band, one instance the middle.
    expect(rows.map((r) => [r.case, r.slot, r.instance, r.p50, r.p99])).toEqual([
      [first.label, 3, first.latency[0]!.instanceId, 6.1, 9.4],
      ...second.latency.map((d, k) => [second.label, 2 * k + 1, d.instanceId, d.p50, d.p99]),
    ]);
    expect(rows.map((r) => r.least)).toEqual([first, second].flatMap((c) => c.latency.map((d) => d.sample[0])));
    expect(latency.spec).toMatchObject({ layer: [{ encoding: { y: { field: "case", sort: [first.label, second.label] }, x: { scale: { type: "log" } } } }, {}] });
    // Drawn as one view: both bands labelled, each percentile of each instance a mark, the labels escaped.
    const svg = await renderChartSvg(latency.spec);
    expect(svg.match(/<svg /g)).toHaveLength(1);
    expect(texts(svg)).toEqual(expect.arrayContaining([first.label, second.label, "p50", "p90", "p95", "p99"]));
    expect(svg).toContain("second &amp; &lt;b&gt;bold&lt;/b&gt;");
    expect(markupProblems(svg)).toEqual([]);
  });

  test("a latency of 0 ms keeps the axis linear, which a log scale could not draw", () => {
    const zero = { ...first, latency: first.latency.map((d) => ({ ...d, sample: [0, ...d.sample.slice(1)] })) };
    const latency = byId(buildCharts({ ...model, cases: [zero, second] }), "latency");
    expect(latency.spec).toMatchObject({ layer: [{ encoding: { x: { title: "latency (ms)", scale: { zero: false } } } }, {}] });
  });

  test("one telemetry chart: a panel per field, a line per case in the report's order, each on its run's own clock", async () => {
    const charts = buildCharts(both).filter((c) => c.id.startsWith("telemetry"));
    expect(charts.map((c) => [c.id, c.cases])).toEqual([["telemetry", ["measured-case", "second-case"]]]);
    const [telemetry] = charts as [ChartSpec];
    const power = dataRows(telemetry.spec).filter((r) => r.panel === "power_draw_w (W)");
    // Seconds since each run's telemetry began, as the model gives them: the runs start together at 0.
    expect(power).toEqual([
      ...[[0, 60], [1, 310], [2, 330], [3, 120]].map(([seconds, value]) => ({ panel: "power_draw_w (W)", case: first.label, seconds, value })),
      ...[[0, 30], [2, 155], [4, 165], [6, 60]].map(([seconds, value]) => ({ panel: "power_draw_w (W)", case: second.label, seconds, value })),
    ]);
    expect(telemetry.spec).toMatchObject({ spec: { encoding: { color: { field: "case", scale: { domain: [first.label, second.label], scheme: "tableau10" } } } } });
    expect(JSON.stringify(telemetry.spec)).not.toContain("strokeDash");
    const svg = await renderChartSvg(telemetry.spec);
    expect(svg.match(/<svg /g)).toHaveLength(1);
    expect(texts(svg)).toEqual(expect.arrayContaining([first.label, second.label, "utilization_gpu_pct (%)", "power_draw_w (W)"]));
    expect(markupProblems(svg)).toEqual([]);
  });

  test("telemetry of one case reads alone; a case that sampled two GPUs has a dashed line per GPU", async () => {
    const one = byId(buildCharts({ ...model, cases: [first] }), "telemetry");
    const legend = texts(await renderChartSvg(one.spec)).filter((t) => t === first.label);
    expect(legend).toHaveLength(1);
    const twoGpus = { ...second, telemetry: [...second.telemetry, ...second.telemetry.map((t) => ({ ...t, gpu: 1 }))] };
    const dashed = byId(buildCharts({ ...model, cases: [first, twoGpus] }), "telemetry");
    expect(dashed.spec).toMatchObject({ spec: { encoding: { strokeDash: { field: "gpu" } } } });
    expect(new Set(dataRows(dashed.spec).filter((r) => r.case === second.label).map((r) => r.gpu))).toEqual(new Set(["GPU 0", "GPU 1"]));
  });

  test("a long case name is drawn whole, in the legend and on the axis, not cut at half its room", async () => {
    const long = { ...first, label: "No MIG: 7 BERT-base fine-tunes (built-in bert-finetune) at once on the full GPU" };
    const charts = buildCharts({ ...model, cases: [long, second] });
    for (const id of ["telemetry", "latency"]) expect(texts(await renderChartSvg(byId(charts, id).spec))).toContain(long.label);
  });

  test("two cases with one label stay two bands and two lines, told apart by their ids", () => {
    const twin = { ...second, label: first.label };
    const charts = buildCharts({ ...model, cases: [first, twin] });
    // The aggregates' bars too: one name per case, not one bar drawn over the other.
    for (const id of ["latency", "telemetry", "case-aggregates"]) {
      expect(new Set(dataRows(byId(charts, id).spec).map((r) => r.case)), id).toEqual(new Set([`${first.label} (measured-case)`, `${first.label} (second-case)`]));
    }
  });
});

describe("choosing charts (show.charts)", () => {
  const model = withoutCharts(hostileModel());
  const [first, none] = model.cases as [ReportCase, ReportCase];
  const second = otherCase(first, "second-case", "second");
  const third = otherCase(first, "third-case", "third");
  const cases = { ...model, cases: [first, none, second, third] };
  const chosen = (wanted: string[]) => {
    const { charts, missing } = selectCharts(cases, wanted);
    return { charts: charts.map((c) => [c.id, c.cases]), missing };
  };

  test("`<kind>:<case>` ids choose the cases within the one chart across cases, in the report's order", () => {
    expect(chosen(["latency:third-case", "latency:measured-case"])).toEqual({ charts: [["latency", ["measured-case", "third-case"]]], missing: [] });
    expect(chosen(["telemetry:second-case"])).toEqual({ charts: [["telemetry", ["second-case"]]], missing: [] });
    const rows = dataRows(selectCharts(cases, ["latency:second-case"]).charts[0]!.spec);
    expect(new Set(rows.map((r) => r.case))).toEqual(new Set(["second"]));
    // Per-instance charts stay one per case.
    expect(chosen(["instances:second-case", "instances:measured-case"]).charts.map(([id]) => id)).toEqual(["instances:measured-case", "instances:second-case"]);
  });

  test("a kind keeps all its cases, whatever case ids are listed beside it; charts come in display order", () => {
    expect(chosen(["telemetry", "latency:second-case", "latency", "speedups"])).toEqual({
      charts: [
        ["speedups", ["measured-case", "baseline-case"]],
        ["latency", ["measured-case", "second-case", "third-case"]],
        ["telemetry", ["measured-case", "second-case", "third-case"]],
      ],
      missing: [],
    });
  });

  test("a listed chart that draws nothing is named: a case without the data, an unknown case or kind, a case on a report-wide kind", () => {
    expect(chosen(["latency:baseline-case", "latency:second-case", "telemetry:nope", "speedups:measured-case", "nonsense", "instances:baseline-case"])).toEqual({
      charts: [["latency", ["second-case"]]],
      missing: ["latency:baseline-case", "telemetry:nope", "speedups:measured-case", "nonsense", "instances:baseline-case"],
    });
    expect(selectCharts({ ...model, cases: [none] }, ["latency", "telemetry"])).toEqual({ charts: [], missing: ["latency", "telemetry"] });
  });
});

describe("rendering to SVG", () => {
  afterEach(() => vi.restoreAllMocks());

  test("every chart compiles with vega-lite and renders an SVG showing its data", async () => {
    const charts = [...seedTable1Model().charts, ...hostileModel().charts];
    for (const chart of charts) {
      expect(() => compile(chart.spec as unknown as TopLevelSpec), chart.id).not.toThrow();
      const svg = await renderChartSvg(chart.spec);
      expect(svg, chart.id).toMatch(/^<svg [^>]*class="marks"/);
      expect(svg.match(/<path|<line|<rect/g)?.length ?? 0, chart.id).toBeGreaterThan(5);
    }
    const speedups = await renderChartSvg(byId(seedTable1Model().charts, "speedups").spec);
    for (const label of ["1.48x", "1.87x", "4.77x"]) expect(speedups).toContain(`>${label}</text>`);
  });

  test("hostile labels stay text inside the SVG", async () => {
    const fetch = vi.spyOn(globalThis, "fetch");
    // The check itself catches a label that breaks out of an attribute or a text node.
    expect(markupProblems(`<svg><text aria-label="a "quotes" b">x</text></svg>`)).not.toEqual([]);
    expect(markupProblems(`<svg><text>x<script>alert(1)</script></text></svg>`)).not.toEqual([]);
    // The specs carry the raw labels (escaping is the renderer's job)...
    expect(dataRows(byId(hostileModel().charts, "instances:measured-case").spec).some((r) => String(r.instance).includes(HOSTILE))).toBe(true);
    for (const chart of hostileModel().charts) {
      const svg = await renderChartSvg(chart.spec);
      expect(markupProblems(svg), chart.id).toEqual([]);
      expect(svg.match(/<\/svg>/g), chart.id).toHaveLength(1);
      expect(svg.endsWith("</svg>")).toBe(true);
    }
    // ...and the SVG shows them as escaped text: instance names, and the case labels of the charts across cases.
    for (const id of ["instances:measured-case", "latency", "telemetry"]) {
      const svg = await renderChartSvg(byId(hostileModel().charts, id).spec);
      expect(svg, id).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(svg, id).toContain("&amp; &lt;/svg&gt;");
    }
    expect(fetch).not.toHaveBeenCalled();
  });

  test("a report's renderer, which compiles each shape of chart once, draws every chart as a fresh one does", async () => {
    const model = withoutCharts(hostileModel());
    const first = model.cases[0]!;
    // A second case with the same shape of per-instance chart and other data.
    const second = otherCase(first, "second-case", "second");
    const charts = [...buildCharts({ ...model, cases: [first, second] }), ...seedTable1Model().charts];
    const render = chartRenderer();
    const shared = await Promise.all(charts.map((c) => render(c.spec)));
    for (const [i, chart] of charts.entries()) expect(shared[i], chart.id).toBe(await renderChartSvg(chart.spec));
    const [a, b] = [first, second].map((c) => shared[charts.findIndex((chart) => chart.id === `instances:${c.id}`)]);
    expect(a).toBeDefined();
    expect(a).not.toBe(b);
  });

  test("a chart that fails does not spoil the renderer's next charts", async () => {
    const render = chartRenderer();
    const external = { data: { url: "http://127.0.0.1:9/data.json" }, mark: "point", encoding: { x: { field: "a", type: "quantitative" } } };
    await expect(render(external)).rejects.toThrow(/charts must inline their data/);
    await expect(render(external)).rejects.toThrow(/charts must inline their data/);
    const speedups = byId(seedTable1Model().charts, "speedups").spec;
    expect(await render(speedups)).toBe(await renderChartSvg(speedups));
  });

  test("a spec that asks for external data fails without any request, and the page carries no namespace URLs", async () => {
    const fetch = vi.spyOn(globalThis, "fetch");
    await expect(renderChartSvg({ data: { url: "http://127.0.0.1:9/data.json" }, mark: "point", encoding: { x: { field: "a", type: "quantitative" } } })).rejects.toThrow(/127\.0\.0\.1:9\/data\.json/);
    expect(fetch).not.toHaveBeenCalled();
    expect(await renderChartSvg(byId(seedTable1Model().charts, "speedups").spec)).not.toMatch(/https?:/);
  });
});

describe("the spec beside a chart", () => {
  test("reads back as the same spec, with each data row on one line", () => {
    for (const chart of hostileModel().charts) {
      const text = specText(chart.spec);
      expect(JSON.parse(text), chart.id).toEqual(chart.spec);
      for (const row of dataRows(chart.spec)) expect(text.split("\n").map((line) => line.trim().replace(/,$/, "")), chart.id).toContain(JSON.stringify(row));
    }
    expect(specText({ a: [1, "x"], b: { c: null }, d: [], e: {}, f: undefined })).toBe('{\n  "a": [1,"x"],\n  "b": {"c":null},\n  "d": [],\n  "e": {}\n}');
  });
});
