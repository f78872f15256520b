/**
 * CLI start (docs/performance.md): `bench` runs from one bundle (dist/bundle) instead of ~250 modules;
 * `bench --help` and the commands that do not touch the GPU start without loading the nvidia-smi driver
 * (execa, its zod schemas); the GPU commands load it when they run and still report driver failures as
 * exit 3. The import graph is checked on the unbundled dist/, whose dynamic imports the bundle keeps as
 * chunks loaded on demand.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { initSimState } from "../../src/gpu/sim/index.js";
import { bench, benchBin, root, tempDir } from "../cli/helpers.js";

const recorder = path.join(root, "test", "perf", "fixtures", "record-imports.mjs");
const unbundledCli = path.join(root, "dist", "cli", "main.js");

/** Runs the CLI with every resolved module written down; returns the result and the packages it loaded. */
async function benchRecordingImports(args: readonly string[], env: Record<string, string> = {}, cli = unbundledCli) {
  const file = path.join(tempDir("imports"), "imports.txt");
  const result = await execa(process.execPath, ["--import", recorder, cli, ...args], {
    cwd: root,
    reject: false,
    env: { MIGBENCH_RECORD_IMPORTS: file, MIGBENCH_STATE_DIR: tempDir("state"), ...env },
  });
  const urls = readFileSync(file, "utf8").split("\n").filter(Boolean);
  const packages = new Set(urls.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));
  const modules = new Set(urls.flatMap((url) => /\/dist\/(.+)\.js$/.exec(url)?.[1] ?? []));
  return { result, packages, modules, urls };
}

describe("CLI start", () => {
  it("bench runs the bundle: yargs, yaml and zod come inlined, in a few dozen files instead of ~250", async () => {
    const { result, packages, urls } = await benchRecordingImports(["validate", "scenarios/quickstart.yaml"], {}, benchBin);
    expect(result.exitCode).toBe(0);
    expect(String(result.stdout)).toBe("scenarios/quickstart.yaml: ok");
    expect([...packages]).toEqual([]);
    const ours = urls.filter((url) => url.startsWith("file:"));
    expect(ours.some((url) => url.endsWith("/dist/bundle/bench.js"))).toBe(true);
    expect(ours.filter((url) => !url.includes("/dist/bundle/") && !url.endsWith("/bin/bench.js"))).toEqual([]);
    expect(ours.length).toBeLessThan(50);
  });

  it("bench --version prints the package's version without searching the folders above for a package.json", async () => {
    const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
    const result = await execa(process.execPath, [benchBin, "--version"], { cwd: tempDir("elsewhere"), reject: false });
    expect([result.exitCode, result.stdout]).toEqual([0, version]);
  });

  it("the bundled bench prints what the unbundled CLI prints", async () => {
    for (const args of [["--help"], ["run", "--help"], ["validate", "scenarios/quickstart.yaml"], ["nosuch"]]) {
      const [bundled, unbundled] = await Promise.all([
        execa(process.execPath, [benchBin, ...args], { cwd: root, reject: false }),
        execa(process.execPath, [unbundledCli, ...args], { cwd: root, reject: false }),
      ]);
      expect([bundled.exitCode, bundled.stdout, bundled.stderr]).toEqual([unbundled.exitCode, unbundled.stdout, unbundled.stderr]);
    }
  });

  it("bench --help lists every command without loading the GPU driver, execa or zod", async () => {
    const { result, packages, modules } = await benchRecordingImports(["--help"]);
    expect(result.exitCode).toBe(0);
    for (const command of ["run <file>", "validate <files..>", "plan <file>", "report", "parse [file]", "profiles [model]", "schema", "sim <action>", "gpus", "partition <action>", "cleanup"]) {
      expect(String(result.stdout)).toContain(`bench ${command}`);
    }
    expect(packages.has("yargs")).toBe(true);
    expect(packages.has("execa")).toBe(false);
    expect(packages.has("zod")).toBe(false);
    expect([...modules].filter((m) => m.startsWith("gpu/nvidia-smi/") && m !== "gpu/nvidia-smi/errors")).toEqual([]);
  });

  it("bench validate prints the same verdicts without loading the GPU driver", async () => {
    const { result, packages } = await benchRecordingImports(["validate", "scenarios/quickstart.yaml"]);
    expect(result.exitCode).toBe(0);
    expect(String(result.stdout)).toBe("scenarios/quickstart.yaml: ok");
    expect(packages.has("execa")).toBe(false);
  });

  it("bench gpus --sim loads the driver when it runs and reads the simulated GPU", async () => {
    const state = path.join(tempDir("sim"), "state.json");
    initSimState({ model: "A100-SXM4-40GB", gpus: 1, file: state });
    const { result, modules } = await benchRecordingImports(["gpus", "--sim"], { MIGBENCH_SIM_STATE: state });
    expect(result.exitCode).toBe(0);
    expect(String(result.stdout)).toMatch(/^GPU 0: NVIDIA A100-SXM4-40GB \(GPU-[0-9a-f-]+\), catalog model A100-SXM4-40GB/);
    expect(modules.has("gpu/nvidia-smi/client")).toBe(true);
  });

  it("bench run on the process runtime loads neither the report's chart drawing (vega) nor a Docker client", async () => {
    const dir = tempDir("run");
    const scenario = path.join(dir, "echo.yaml");
    writeFileSync(
      scenario,
      [
        "name: echo",
        "gpu: { model: A100-SXM4-40GB }",
        "layout: { mig: true, gpuInstances: [{ profile: 1g.5gb, count: 1 }] }",
        "workloads:",
        "  echo:",
        `    command: [sh, -c, 'echo "{\\"event\\": \\"summary\\", \\"elapsed_s\\": 0.1}"']`,
        "    parser: jsonl",
        "    metrics: { time: { key: elapsed_s, unit: s } }",
        "run: [{ workload: echo, on: each-mig-device }]",
        "repetitions: 1",
        "timeout: 1m",
      ].join("\n"),
    );
    const state = path.join(dir, "state.json");
    initSimState({ model: "A100-SXM4-40GB", gpus: 1, file: state });
    const { result, packages } = await benchRecordingImports(["run", scenario, "--gpu", "sim", "--out", path.join(dir, "results")], { MIGBENCH_SIM_STATE: state });
    expect([result.exitCode, result.stderr]).toEqual([0, expect.any(String)]);
    expect(String(result.stdout)).toContain("| echo | time (s) | 0.10 |");
    expect([...packages].filter((p) => /^(vega|vega-lite|dockerode|docker-modem)$/.test(p))).toEqual([]);
  });

  it("a driver failure is still an environment failure (exit 3) that says what failed", async () => {
    const result = await bench(["gpus", "--sim"], { MIGBENCH_SIM_STATE: path.join(tempDir("sim"), "missing.json") });
    expect(result.exitCode).toBe(3);
    expect(String(result.stderr)).toMatch(/^bench: .*nvidia-smi .*state file .*missing\.json: does not exist/);
  });
});
