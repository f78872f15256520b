import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RunManifest } from "../../src/results/index.js";
import { mulberry32 } from "../../src/stats/index.js";
import { makeManifest } from "../results/fixtures.js";
import { bench, tempDir } from "./helpers.js";

/** A run directory holding a manifest whose times are seeded noise around `time` seconds. */
function runDir(root: string, name: string, o: { seed: number; time: number; cv?: number; simulated?: boolean; repetitions?: number }): string {
  const random = mulberry32(o.seed);
  const manifest: RunManifest = makeManifest({
    schedule: "parallel",
    mig: true,
    repetitions: o.repetitions ?? 3,
    simulated: o.simulated ?? false,
    metrics: { time: { key: "e2e_train_time", unit: "s", value: () => o.time * (1 + (o.cv ?? 0.01) * (random() - 0.5)) } },
  });
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return dir;
}

describe("bench compare", () => {
  const root = tempDir("compare");
  const base = runDir(root, "base", { seed: 1, time: 100 });
  const same = runDir(root, "same", { seed: 2, time: 100.2 });
  const slower = runDir(root, "slower", { seed: 3, time: 120 });
  const faster = runDir(root, "faster", { seed: 4, time: 80 });

  it("exits 0 and prints SAME for runs within the threshold", async () => {
    const r = await bench(["compare", base, same]);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^## Comparison: /);
    expect(r.stdout).toMatch(/^\| time \| s \| .* \| SAME \|$/m);
    expect(r.stdout).toContain("No metric got slower beyond the threshold.");
  });

  it("exits 0 for an improvement", async () => {
    const r = await bench(["compare", base, faster]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\| time \| s \| .* \| \*\*FASTER\*\* \|$/m);
  });

  it("exits 1 and names the regression when a metric got slower", async () => {
    const r = await bench(["compare", base, slower]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^\| time \| s \| .* \| \*\*SLOWER\*\* \|$/m);
    expect(r.stdout).toContain("Regression: time got slower beyond the threshold.");
  });

  it("exits 0 with UNCERTAIN, not SLOWER, for a small slowdown buried in heavy noise", async () => {
    const noisyBase = runDir(root, "noisy-base", { seed: 6, time: 100, cv: 0.6, repetitions: 2 });
    const noisyNew = runDir(root, "noisy-new", { seed: 7, time: 104, cv: 0.6, repetitions: 2 });
    const r = await bench(["compare", noisyBase, noisyNew]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\| time \| s \| .* \| UNCERTAIN \|$/m);
    expect(r.stdout).toMatch(/more repetitions are needed to tell/);
  });

  it("exits 0 for the same 20% slowdown when --threshold is above it", async () => {
    const r = await bench(["compare", base, slower, "--threshold", "25%"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/\| SAME \|$/m);
  });

  it("writes JSON to --out", async () => {
    const out = path.join(root, "compare.json");
    const r = await bench(["compare", base, slower, "--format", "json", "--out", out, "--threshold", "0.1"]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    const model = JSON.parse(readFileSync(out, "utf8")) as { threshold: number; regression: boolean; metrics: { verdict: string }[] };
    expect(model.threshold).toBe(0.1);
    expect(model.regression).toBe(true);
    expect(model.metrics.map((m) => m.verdict)).toEqual(["SLOWER"]);
  });

  it("says on the first line that a simulated run was not measured on a GPU", async () => {
    const sim = runDir(root, "sim", { seed: 5, time: 100, simulated: true });
    const r = await bench(["compare", base, sim]);
    expect(r.stdout.split("\n")[0]).toMatch(/^> \*\*Simulated GPU: these numbers were not measured on a GPU/);
  });

  it("exits 2 with a clear message for a bad threshold or alpha, before reading any run", async () => {
    for (const [flag, value] of [["--threshold", "5"], ["--threshold", "-5%"], ["--threshold", "fast"], ["--alpha", "1.5"], ["--alpha", "0"]] as const) {
      // `--flag=value`: yargs would read a bare `-5%` as flags of its own.
      const r = await bench(["compare", "/no/such/run", "/no/such/run", `${flag}=${value}`]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`bench: ${flag}: expected`);
      expect(r.stderr).toContain(`'${value}'`);
      expect(r.stdout).toBe("");
    }
  });

  it("exits 2 naming the run and the file when a run directory cannot be read", async () => {
    const missing = await bench(["compare", base, path.join(root, "missing")]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(`bench: new run: ${path.join(root, "missing", "manifest.json")}: not found: is this a run directory?`);

    const broken = path.join(root, "broken");
    mkdirSync(broken);
    writeFileSync(path.join(broken, "manifest.json"), JSON.stringify({ schemaVersion: 2, runId: "x" }));
    const invalid = await bench(["compare", broken, base]);
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toMatch(/bench: base run: .*broken\/manifest\.json: invalid run manifest/);
    expect(invalid.stderr).toMatch(/at status:/);
  });
});
