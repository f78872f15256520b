#!/usr/bin/env node
// Report build: `buildReport` + `renderHtml` over ten run directories of seven instances and N measured
// repetitions each, with GPU telemetry at the default 2 Hz and per-execution sample files, and then over ten times the
// data (10 N repetitions). The run directories are synthetic: one real `bench run` (one repetition on the
// simulated A100) is the template, its executions, samples and telemetry replicated with shifted times
// and varied figures; every manifest is checked with the results reader before it is measured.
// The build and render are timed in a fresh child process per size, modules loaded first (their
// import time is reported on its own), and the whole `bench report --format html` is timed for the
// base size as a user sees it.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { benchBin, benchRunManifest, cpuMatmulCommand, cpuMatmulScenario, fmt, median, root, row, skipped, timed } from "./lib.js";

const CASES = 10;
/** Instances per case: the template's seven 1g.5gb devices, one copy each. */
const INSTANCES = 7;
const SECONDS_PER_REPETITION = 6;
/** `bench run`'s default sampling interval. */
const TELEMETRY_MS = 500;

function templateScenario(file) {
  writeFileSync(
    file,
    cpuMatmulScenario({
      name: "bench-report-template",
      command: cpuMatmulCommand(["--seconds", "1", "--warmup-seconds", "0"]),
      layout: { mig: true, gpuInstances: [{ profile: "1g.5gb", count: INSTANCES }] },
      run: { on: "each-mig-device" },
      schedule: "parallel",
      metrics: ["time", "throughput", "latency"],
    }),
  );
}

/** One real run: the template whose shapes every synthetic run copies. */
async function templateRun(tmp) {
  const scenario = path.join(tmp, "template.yaml");
  templateScenario(scenario);
  const { dir, manifest } = await benchRunManifest(scenario, tmp, { env: { MIGBENCH_TELEMETRY_MS: String(TELEMETRY_MS) }, executions: INSTANCES, keep: true });
  return { dir, manifest };
}

const iso = (ms) => new Date(ms).toISOString();
const shift = (time, ms) => (time === null ? null : iso(Date.parse(time) + ms));
const rep = (r) => `rep${String(r).padStart(2, "0")}`;
/** A smooth, repeatable variation of a figure: +-5 %. */
const vary = (value, k) => (value === null ? null : Number((value * (1 + 0.05 * Math.sin(k * 0.7))).toPrecision(6)));

/** Writes `cases` run directories of `repetitions` measured repetitions each under `dir`; returns its size in bytes. */
function writeRuns(dir, template, repetitions) {
  const { manifest: m } = template;
  const base = Math.min(...m.executions.map((e) => Date.parse(e.createdAt)));
  const period = SECONDS_PER_REPETITION * 1000;
  // Per-instance sample file: the template's lines, the per-step ones repeated to a 5 s run's worth.
  const samples = new Map(
    m.executions.map((e) => {
      const lines = readFileSync(path.join(template.dir, e.parse.samples), "utf8").trim().split("\n");
      const steps = lines.filter((l) => l.includes('"step"'));
      return [e.instanceId, `${[...lines, ...Array.from({ length: 4 }, () => steps).flat()].join("\n")}\n`];
    }),
  );
  const csvLines = readFileSync(path.join(template.dir, "telemetry", "gpu0.csv"), "utf8").trim().split("\n");
  const [header, ...readings] = csvLines;
  let bytes = 0;
  for (let c = 0; c < CASES; c++) {
    const name = `bench-report-case-${String(c).padStart(2, "0")}`;
    const runId = `20261125-120000-${name}-${String(c).padStart(4, "0")}`;
    const runDir = path.join(dir, runId);
    const executions = [];
    const groups = [];
    for (let r = 0; r < repetitions; r++) {
      const offset = r * period;
      mkdirSync(path.join(runDir, "samples", rep(r)), { recursive: true });
      for (const [k, e] of m.executions.entries()) {
        const metrics = Object.fromEntries(Object.entries(e.metrics).map(([role, metric]) => [role, { ...metric, value: vary(metric.value, r * 7 + k + c) }]));
        const samplesFile = `samples/${rep(r)}/${e.instanceId}.jsonl`;
        const text = samples.get(e.instanceId);
        writeFileSync(path.join(runDir, samplesFile), text);
        bytes += text.length;
        // The per-execution result files are not written: nothing in a report reads them.
        const parse = { ...e.parse, samples: samplesFile };
        delete parse.result;
        executions.push({
          ...e,
          repetition: r,
          createdAt: shift(e.createdAt, offset),
          startedAt: shift(e.startedAt, offset),
          firstOutputAt: shift(e.firstOutputAt, offset),
          endedAt: shift(e.endedAt, offset),
          log: `logs/${rep(r)}/${e.instanceId}.log`,
          metrics,
          parse,
        });
      }
      groups.push({ ...m.groups[0], repetition: r });
    }
    // Readings over every repetition, the template's values cycled.
    const startMs = base - 1000;
    const endMs = base + repetitions * period;
    const rows = [header];
    for (let t = startMs, i = 0; t < endMs; t += TELEMETRY_MS, i++) {
      const cells = readings[i % readings.length].split(",");
      rows.push([iso(t), t, ...cells.slice(2)].join(","));
    }
    mkdirSync(path.join(runDir, "telemetry"), { recursive: true });
    const csv = `${rows.join("\n")}\n`;
    writeFileSync(path.join(runDir, "telemetry", "gpu0.csv"), csv);
    bytes += csv.length;
    const gpus = m.telemetry.gpus.map((g) => ({ ...g, samples: rows.length - 1 }));
    const manifest = {
      ...m,
      runId,
      startedAt: iso(startMs),
      endedAt: iso(endMs),
      scenario: { ...m.scenario, name },
      plan: { ...m.plan, scenario: { ...m.plan.scenario, name }, repetitions },
      executions,
      groups,
      telemetry: { ...m.telemetry, intervalMs: TELEMETRY_MS, startedAt: iso(startMs), endedAt: iso(endMs), gpus, migMemory: null },
    };
    const text = `${JSON.stringify(manifest, null, 2)}\n`;
    writeFileSync(path.join(runDir, "manifest.json"), text);
    bytes += text.length;
  }
  return bytes;
}

/** In the child: load the modules, then build and render the report of every run under `dir`. */
async function child(dir) {
  let t = performance.now();
  const { buildReport } = await import("../dist/report/build.js");
  const { renderHtml } = await import("../dist/report/html/index.js");
  const importMs = performance.now() - t;
  t = performance.now();
  const model = await buildReport({ inputs: [dir] });
  const buildMs = performance.now() - t;
  t = performance.now();
  const html = await renderHtml(model);
  const renderMs = performance.now() - t;
  // CPU time beside wall time: on a shared machine it says how much of the wall time was the report's own work.
  const cpu = process.cpuUsage();
  return { importMs, buildMs, renderMs, cpuMs: (cpu.user + cpu.system) / 1000, cases: model.cases.length, htmlBytes: html.length, maxRss: process.resourceUsage().maxRSS * 1024 };
}

async function measure(dir) {
  const { result } = await timed(process.execPath, [new URL(import.meta.url).pathname, "--child", dir]);
  return JSON.parse(String(result.stdout));
}

async function checkReadable(dir) {
  const { readRun } = await import("../dist/results/index.js");
  for (const run of readdirSync(dir)) await readRun(path.join(dir, run));
}

export async function reportBuild({ quick, tmp }) {
  const missing = ["build.js", "html/index.js"].filter((f) => {
    try {
      readFileSync(path.join(root, "dist", "report", f));
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) return [skipped("report build", "< 2 s", `dist/report/${missing.join(", dist/report/")} not built yet`)];
  const repetitions = quick ? 10 : 100;
  const runs = quick ? 1 : 3;
  const template = await templateRun(tmp);
  const small = path.join(tmp, "small");
  const large = path.join(tmp, "large");
  const smallBytes = writeRuns(small, template, repetitions);
  const largeBytes = writeRuns(large, template, repetitions * 10);
  await checkReadable(small);
  await checkReadable(large);
  const smallRuns = [];
  const largeRuns = [];
  for (let i = 0; i < runs; i++) {
    smallRuns.push(await measure(small));
    largeRuns.push(await measure(large));
  }
  const total = (m) => m.buildMs + m.renderMs;
  const smallMs = median(smallRuns.map(total));
  const largeMs = median(largeRuns.map(total));
  const cli = await timed(process.execPath, [benchBin, "report", small, "--format", "html", "--out", path.join(tmp, "report.html")]);
  const label = `${CASES} cases x ${INSTANCES} instances x ${repetitions} repetitions`;
  const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
  const scale = largeMs / smallMs;
  return [
    row(
      `report build + HTML, ${label}`,
      "-",
      fmt.s(smallMs / 1000),
      "< 2 s",
      smallMs < 2000,
      `median of ${runs}; build ${fmt.ms(median(smallRuns.map((m) => m.buildMs)))}, render ${fmt.ms(median(smallRuns.map((m) => m.renderMs)))}; ${mb(smallBytes)} of run data; modules load in ${fmt.ms(median(smallRuns.map((m) => m.importMs)))}; CPU time of the process ${fmt.ms(median(smallRuns.map((m) => m.cpuMs)))}; HTML ${mb(smallRuns[0].htmlBytes)}; peak RSS ${mb(Math.max(...smallRuns.map((m) => m.maxRss)))}`,
    ),
    row(`report build + HTML, 10x the data (${repetitions * 10} repetitions)`, fmt.s(smallMs / 1000), `${fmt.s(largeMs / 1000)}, ${scale.toFixed(1)} x`, "< 12 x", scale < 12, `${mb(largeBytes)} of run data; peak RSS ${mb(Math.max(...largeRuns.map((m) => m.maxRss)))}`),
    row(`\`bench report --format html\`, ${label}`, "-", fmt.s(cli.ms / 1000), "-", null, "the whole CLI process: start-up, module loading, build, render, write"),
  ];
}

if (process.argv[2] === "--child" && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(`${JSON.stringify(await child(process.argv[3]))}\n`);
}
