/**
 * Secrets: values of environment variables (the harness's, the workloads'), of command-line options and
 * of scenario labels whose names look secret (TOKEN, SECRET, PASSWORD, KEY) never reach the terminal,
 * the run directory, or any report built from it, even when the workload prints them and then fails.
 * (test/cli/run-results.test.ts checks a healthy run's directory; this adds the failure path, the
 * terminal, labels and every report format.)
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/errors.js";
import { buildReport, REPORT_FORMAT_NAMES, renderReport } from "../../src/report/index.js";
import { bench, expectRestored, makeHost, markerFor, removeTempDirs, runDirOf, scenario } from "./helpers.js";

afterAll(removeTempDirs);

const SECRETS = { harness: "hf_harness_s3cret_77", env: "t0ken-in-workload-env", argv: "k3y-on-the-command-line", label: "labelled-passw0rd" };

describe("secrets", () => {
  it("reach neither the terminal, the run directory nor any report, when the workload prints them and crashes", async () => {
    const host = makeHost("T4", "secrets");
    const marker = markerFor("secrets");
    const print = `echo "out $API_TOKEN $2 ${SECRETS.label} $HF_TOKEN"; echo "err $API_TOKEN $2 ${SECRETS.label}" >&2; echo '{"step":1,"items_per_second":3}'; exit 3`;
    const loaded = scenario(
      host,
      [
        "name: secrets",
        "title: leaks",
        "gpu: { model: T4 }",
        "layout: { mig: false }",
        `labels: { db_password: ${SECRETS.label}, team: gpu }`,
        "workloads:",
        "  leaky:",
        `    command: ${JSON.stringify(["sh", "-c", print, marker, "--api-key", SECRETS.argv])}`,
        `    env: { API_TOKEN: ${SECRETS.env} }`,
        "    parser: jsonl",
        "    metrics: { throughput: { key: items_per_second, unit: items/s } }",
        "run: [{ workload: leaky, on: full-gpu }]",
      ].join("\n"),
    );
    const result = await bench(host, ["run", loaded.file, "--gpu", "sim", "--out", host.results], { HF_TOKEN: SECRETS.harness });
    expect(result.exitCode).toBe(EXIT.invalid);
    const terminal = `${String(result.stdout)}\n${String(result.stderr)}`;
    expect(terminal).toMatch(/leaky\.1 \(repetition 1\): failed, exited with code 3/);

    const dir = runDirOf(result.stdout);
    const files = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
    const log = readFileSync(files.find((f) => f.endsWith(".log")) ?? "", "utf8");
    // The workload did print them: masked as it went.
    expect(log).toMatch(/stdout\| out \*\*\* \*\*\* \*\*\* \*\*\*$/m);
    expect(log).toMatch(/stderr\| err \*\*\* \*\*\* \*\*\*$/m);

    const reports = await Promise.all(REPORT_FORMAT_NAMES.map(async (format) => [format, await renderReport(await buildReport({ inputs: [dir] }), format)] as const));
    expect(reports.map(([format]) => format)).toEqual(expect.arrayContaining(["md", "html", "json", "csv"]));
    const places: [string, string][] = [["the terminal", terminal], ...files.map((f): [string, string] => [path.relative(dir, f), readFileSync(f, "utf8")]), ...reports.map(([f, text]): [string, string] => [`report (${f})`, text])];
    for (const [where, text] of places) {
      for (const [kind, secret] of Object.entries(SECRETS)) expect(text.includes(secret), `the ${kind} secret in ${where}`).toBe(false);
    }
    expect(places.length).toBeGreaterThanOrEqual(8);
    expectRestored(host, marker, "secrets");
  });
});
