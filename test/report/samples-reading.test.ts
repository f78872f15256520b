/**
 * How a report reads the per-execution samples files: whole and synchronously when small, streamed when
 * large, links and FIFOs refused without blocking, and values reaching each instance's seeded reservoir in
 * execution order, so that a subset kept from many samples is the same whichever way the files were read.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readLatency, SAMPLE_POINTS } from "../../src/report/latency.js";
import { readRunDataText, WHOLE_FILE_MAX_BYTES } from "../../src/results/index.js";
import { executionRelativePath, type RunManifest } from "../../src/results/index.js";
import { DEFAULT_BOOTSTRAP_SEED, latencyPercentiles, mulberry32, percentile } from "../../src/stats/index.js";
import { makeManifest } from "../results/fixtures.js";
import { tempDir, writeRun } from "./helpers.js";

/** A run of `instances` instances and `repetitions` repetitions whose samples files hold `lines(k)` for the k-th execution. */
function runWith(instances: number, repetitions: number, lines: (k: number) => string): { dir: string; manifest: RunManifest } {
  const base = makeManifest({ name: "samples", schedule: "parallel", mig: true, instances, repetitions, metrics: { latency: { key: "latency_ms_avg", unit: "ms", value: () => 5 } } });
  const manifest: RunManifest = { ...base, executions: base.executions.map((e) => ({ ...e, parse: { ...e.parse, samples: executionRelativePath("samples", e.repetition, e.instanceId) } })) };
  const dir = writeRun(tempDir("samples"), manifest);
  manifest.executions.forEach((e, k) => {
    const file = path.join(dir, e.parse.samples as string);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, lines(k));
  });
  return { dir, manifest };
}

const sampleLines = (values: readonly number[], eol = "\n"): string => values.map((value, i) => JSON.stringify({ name: "latency_ms", value, line: i + 1 })).join(eol) + eol;
const valuesOf = (k: number, n: number): number[] => {
  const random = mulberry32(k + 7);
  return Array.from({ length: n }, () => 1 + 20 * random() ** 3);
};

describe("reading samples files", () => {
  it("keep the same subset as Algorithm R fed every file in execution order", async () => {
    const n = 700;
    const { dir, manifest } = runWith(2, 6, (k) => sampleLines(valuesOf(k, n)));
    const capacity = 1000;
    const { distributions } = await readLatency(dir, manifest, capacity);
    for (const d of distributions) {
      // The reservoir by hand, over this instance's executions in the manifest's order.
      const random = mulberry32(DEFAULT_BOOTSTRAP_SEED);
      const kept: number[] = [];
      let count = 0;
      manifest.executions.forEach((e, k) => {
        if (e.instanceId !== d.instanceId || e.warmup) return;
        for (const v of valuesOf(k, n)) {
          count++;
          if (kept.length < capacity) kept.push(v);
          else {
            const slot = Math.floor(random() * count);
            if (slot < capacity) kept[slot] = v;
          }
        }
      });
      const sorted = kept.sort((a, b) => a - b);
      expect(d.count).toBe(count);
      expect(d.p50).toBe(latencyPercentiles(sorted).p50);
      expect(d.p99).toBe(latencyPercentiles(sorted).p99);
      expect(d.sample).toHaveLength(SAMPLE_POINTS);
      expect(d.sample[0]).toBe(sorted[0]);
    }
  });

  it("split lines as a line reader does: \\n, \\r\\n or a lone \\r", async () => {
    const xs = valuesOf(1, 50);
    for (const eol of ["\n", "\r\n", "\r"]) {
      const { dir, manifest } = runWith(1, 1, () => sampleLines(xs, eol));
      const [d] = (await readLatency(dir, manifest)).distributions;
      expect(d?.count, JSON.stringify(eol)).toBe(50);
      expect(d?.p50, JSON.stringify(eol)).toBe(percentile(xs, 0.5));
    }
  });

  it("stream a file too large to read whole, with the same values", async () => {
    // About 60 bytes a line: a few more lines than fit under the limit.
    const n = Math.ceil(WHOLE_FILE_MAX_BYTES / 50);
    const xs = valuesOf(3, n);
    const { dir, manifest } = runWith(1, 1, () => sampleLines(xs));
    const file = path.join(dir, manifest.executions.find((e) => !e.warmup)?.parse.samples as string);
    expect(readRunDataText(file)).toBeNull();
    const [d] = (await readLatency(dir, manifest, n)).distributions;
    expect(d?.count).toBe(n);
    expect(d?.p90).toBe(percentile(xs, 0.9));
    expect(d?.max).toBe(Math.max(...xs));
  });

  it("refuse a link, a FIFO and a device at once, with a warning, and read the other files", async () => {
    const { dir, manifest } = runWith(4, 1, (k) => sampleLines(valuesOf(k, 20)));
    const measured = manifest.executions.filter((e) => !e.warmup);
    const fileOf = (i: number): string => path.join(dir, measured[i]?.parse.samples as string);
    const outside = path.join(tempDir("outside"), "samples.jsonl");
    writeFileSync(outside, sampleLines(valuesOf(99, 20)));
    rmSync(fileOf(0));
    symlinkSync(outside, fileOf(0));
    rmSync(fileOf(1));
    execFileSync("mkfifo", [fileOf(1)]);
    rmSync(fileOf(2));
    symlinkSync("/dev/zero", fileOf(2));
    const { distributions, warnings } = await readLatency(dir, manifest);
    expect(distributions.map((d) => d.instanceId)).toEqual([measured[3]?.instanceId]);
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^Latency samples of ${measured[0]?.instanceId} .*: is a symbolic link; run directories hold regular files only$`)),
      expect.stringMatching(new RegExp(`^Latency samples of ${measured[1]?.instanceId} .*: not a regular file$`)),
      expect.stringMatching(new RegExp(`^Latency samples of ${measured[2]?.instanceId} .*: is a symbolic link; run directories hold regular files only$`)),
    ]);
  });
});
