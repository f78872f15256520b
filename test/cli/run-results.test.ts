/**
 * What a real `bench run` on the simulated GPU leaves in its run directory (docs/results-format.md): a
 * manifest that validates against the published JSON Schema, environment and board facts, telemetry CSVs
 * with a summary, per-execution samples and metrics files, and no secret anywhere.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readRun, type RunManifest } from "../../src/results/index.js";
import { manifestValidator } from "../results/ajv.js";
import { bench, tempDir } from "./helpers.js";

const SECRETS = ["t0ken-in-env-value", "k3y-from-argv", "hf_harness_secret_42"];

let dir: string;
let manifest: RunManifest;
let stderr: string;

/** Every file of the run directory, relative paths. */
const files = (root: string): string[] =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();

beforeAll(async () => {
  const sim = tempDir("sim");
  const state = path.join(sim, "state.json");
  expect((await bench(["sim", "init", "--model", "A100-SXM4-40GB", "--state", state])).exitCode).toBe(0);
  const out = tempDir("results");
  const result = await bench(["run", "test/fixtures/scenarios/run/results-secrets.yaml", "--gpu", "sim", "--out", out], {
    MIGBENCH_SIM_STATE: state,
    HF_TOKEN: "hf_harness_secret_42",
    MIGBENCH_TELEMETRY_MS: "200",
    MIGBENCH_MIG_MEMORY_MS: "1000",
  });
  stderr = String(result.stderr);
  expect(result.exitCode, stderr).toBe(0);
  dir = String(result.stdout).trim().split("\n").at(-1) as string;
  manifest = await readRun(dir);
});

describe("a simulated bench run's directory", () => {
  it("has a manifest that validates against docs/results.schema.json", () => {
    const schema = JSON.parse(readFileSync(new URL("../../docs/results.schema.json", import.meta.url), "utf8")) as Record<string, unknown>;
    const validate = manifestValidator(schema);
    const raw = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as unknown;
    expect(validate(raw), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.origin).toEqual({ kind: "measured" });
  });

  it("records the host, the harness and the board as the driver reports it", () => {
    expect(manifest.harness.name).toBe("migbench");
    expect(manifest.host?.kernelVersion).toEqual(expect.any(String));
    expect(manifest.host?.release).toEqual(expect.any(String));
    expect(manifest.gpu).toMatchObject({ vbiosVersion: "92.00.45.00.03", persistenceMode: "Enabled", powerLimitW: 400, computeCap: "8.0", driverVersion: expect.any(String), cudaVersion: expect.any(String) });
    // The simulator's application clocks are their defaults: not pinned.
    expect(manifest.gpu.clocks).toMatchObject({ maxSmMHz: 1410, applicationsGraphicsMHz: 1410, defaultApplicationsGraphicsMHz: 1410, locked: false });
    expect(manifest.gpu.eccMode).toBe("Enabled");
    expect(manifest.images).toEqual([]);
  });

  it("keeps per execution the raw log, the parsed samples and the final metrics", () => {
    expect(manifest.executions).toHaveLength(2);
    for (const e of manifest.executions) {
      expect(e.status).toBe("ok");
      expect(e.log && existsSync(path.join(dir, e.log))).toBe(true);
      expect(e.parse.samples).toBe(`samples/rep00/${e.instanceId}.jsonl`);
      expect(e.parse.result).toBe(`metrics/rep00/${e.instanceId}.json`);
      const samples = readFileSync(path.join(dir, e.parse.samples ?? ""), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { name: string; value: number });
      expect(samples).toHaveLength(e.parse.sampleCount ?? -1);
      const result = JSON.parse(readFileSync(path.join(dir, e.parse.result ?? ""), "utf8")) as { parser: string; final: Record<string, { value: number }>; samples?: unknown };
      expect(result.parser).toBe("jsonl");
      expect(result.samples).toBeUndefined();
      expect(result.final.items_per_second?.value).toBe(e.metrics.throughput?.value);
    }
  });

  it("records telemetry for the whole run: CSV per GPU, MIG device memory, energy and samples per joule", () => {
    const t = manifest.telemetry;
    expect(t).not.toBeNull();
    expect(t?.intervalMs).toBe(200);
    const gpu = t?.gpus[0];
    expect(gpu?.file).toBe("telemetry/gpu0.csv");
    expect(gpu?.samples).toBeGreaterThanOrEqual(5);
    // Under MIG the GPU's utilization reads [N/A]: absent, never 0.
    expect(gpu?.fields.utilization_gpu_pct).toMatchObject({ n: 0, absent: gpu?.samples });
    expect(gpu?.fields.power_draw_w?.mean).toBeGreaterThan(100);
    expect(gpu?.energyJoules).toBeGreaterThan(0);
    expect(Object.keys(t?.migMemory?.peakUsedMiB ?? {}).sort()).toEqual(manifest.devices.map((d) => d.uuid).sort());
    expect(t?.measured?.coveredSeconds).toBeGreaterThan(0);
    expect(t?.measured?.samplesPerJoule).toBeGreaterThan(0);
    expect(t?.measured?.itemsUnit).toBe("items");
    expect(files(dir).filter((f) => f.startsWith("telemetry/"))).toEqual(["telemetry/gpu0.csv", "telemetry/mig-memory.csv"]);
    expect(stderr).toMatch(/telemetry: sampling GPU 0 every 200 ms, MIG device memory every 1000 ms/);
  });

  it("keeps no secret: not in the manifest, the logs, the samples or the metrics", () => {
    for (const file of files(dir)) {
      const text = readFileSync(path.join(dir, file), "utf8");
      for (const secret of SECRETS) expect(text.includes(secret), `${secret} in ${file}`).toBe(false);
    }
    const leaky = manifest.executions.find((e) => e.workload === "leaky");
    expect(readFileSync(path.join(dir, leaky?.log ?? ""), "utf8")).toMatch(/env token \*\*\*, argv --api-key \*\*\*/);
    expect(manifest.scenario.redacted).toBe(true);
    expect(manifest.scenario.text).toContain("API_TOKEN: ***");
    expect(manifest.environment?.HF_TOKEN).toBe("***");
  });
});
