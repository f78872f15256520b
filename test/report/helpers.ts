/** Run directories and manifests for report tests, written to temporary folders. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { validateManifest, type RunManifest } from "../../src/results/index.js";
import { makeManifest, type FixtureOptions } from "../results/fixtures.js";
import type { StudyCase } from "../stats/seed-study.js";

export const tempDir = (prefix: string): string => mkdtempSync(path.join(tmpdir(), `migbench-report-${prefix}-`));

/** Writes `manifest.json` (validated, as `bench run` writes it) into `<root>/<name>/`; returns the directory. */
export function writeRun(root: string, manifest: RunManifest, name: string = manifest.runId): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(validateManifest(manifest), null, 2));
  return dir;
}

const KEYS = { time: "e2e_train_time", throughput: "sequences_per_second", latency: "latency_avg_ms" } as const;

/**
 * A measured run whose per-instance values are a study case's, shifted per repetition by `offsets[rep]`
 * times the role's `scale`, so each repetition's aggregate differs and intervals have spread.
 */
export function studyRun(c: StudyCase, { offsets = [0], ...extra }: Partial<FixtureOptions> & { offsets?: readonly number[] } = {}): RunManifest {
  const metrics: FixtureOptions["metrics"] = {};
  for (const r of c.rows) metrics[r.role] = { key: KEYS[r.role], unit: r.unit, value: (rep, col) => (r.values[col - 1] as number) * (1 + (offsets[rep] ?? 0)) };
  return makeManifest({ title: c.title, schedule: c.schedule, mig: c.schedule === "parallel", repetitions: offsets.length, metrics, ...extra });
}
