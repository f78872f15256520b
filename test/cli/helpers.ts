import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const benchBin = path.join(root, "bin", "bench.js");

export const tempDir = (prefix: string): string => mkdtempSync(path.join(tmpdir(), `migbench-${prefix}-`));

/**
 * Runs the real `bench` executable (built dist/), never throwing on a non-zero exit. GPU locks and
 * journals go to a fresh state folder unless `env` names one (MIGBENCH_STATE_DIR): never the user's.
 */
export function bench(args: readonly string[], env: Record<string, string> = {}): ResultPromise<{ reject: false; env: Record<string, string> }> {
  return execa("node", [benchBin, ...args], { cwd: root, reject: false, env: { MIGBENCH_STATE_DIR: tempDir("state"), ...env } });
}
