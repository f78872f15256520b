/**
 * scripts/nvidia-smi-guard, the read-only stand-in for nvidia-smi that the real-GPU check puts first on
 * PATH: it must refuse every option that changes the GPU without calling the tool, pass read-only calls
 * through with the tool's exact output and exit status, record each call, and hand loops over as they are.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { root, tempDir } from "../cli/helpers.js";

const GUARD = path.join(root, "scripts", "nvidia-smi-guard");

/** A fake nvidia-smi that logs its arguments and answers on both streams with a chosen exit status. */
function fakeTool(dir: string): { bin: string; calls: () => string[] } {
  const bin = path.join(dir, "fake-nvidia-smi");
  const log = path.join(dir, "tool-calls.log");
  writeFileSync(log, "");
  writeFileSync(
    bin,
    [
      "#!/bin/sh",
      `echo "$*" >>'${log}'`,
      'case "$1" in',
      '  --fail) echo "out of $1"; echo "err of $1" >&2; exit 4 ;;',
      '  -lms|--loop-ms) echo "loop pid $$"; exit 0 ;;',
      "esac",
      'echo "answer to $*"',
    ].join("\n"),
  );
  chmodSync(bin, 0o755);
  return { bin, calls: () => readFileSync(log, "utf8").split("\n").filter(Boolean) };
}

function setUp(): { records: string; tool: ReturnType<typeof fakeTool>; guard: (...args: string[]) => ReturnType<typeof execa> } {
  const dir = tempDir("guard");
  const records = path.join(dir, "calls");
  mkdirSync(records);
  const tool = fakeTool(dir);
  const guard = (...args: string[]) => execa(GUARD, args, { reject: false, env: { MIGBENCH_GUARD_REAL_SMI: tool.bin, MIGBENCH_GUARD_LOG: records } });
  return { records, tool, guard };
}

const recordsOf = (folder: string): { args: string[]; rc: string; files: string[] }[] =>
  readdirSync(folder)
    .sort()
    .map((name) => {
      const record = path.join(folder, name);
      const files = readdirSync(record).sort();
      const rc = files.includes("rc") ? readFileSync(path.join(record, "rc"), "utf8").trim() : "";
      return { args: readFileSync(path.join(record, "args"), "utf8").split("\n").filter(Boolean), rc, files };
    });

describe("scripts/nvidia-smi-guard", () => {
  it.each([
    ["-i", "0", "-mig", "1"],
    ["mig", "-cgi", "19,19", "-C"],
    ["mig", "-dci"],
    ["mig", "--destroy-gpu-instance", "--id", "1"],
    ["-r"],
    ["-i", "0", "--gpu-reset"],
    ["-pl", "300"],
    ["--power-limit=300"],
    ["-lgc", "1980"],
    ["-pm", "0"],
    ["-c", "EXCLUSIVE_PROCESS"],
  ])("refuses %s with exit 9, without calling the tool", async (...args) => {
    const { records, tool, guard } = setUp();
    const result = await guard(...args);
    expect(result.exitCode).toBe(9);
    expect(String(result.stderr)).toMatch(/^nvidia-smi-guard: refused .+: it would change the GPU's state/);
    expect(tool.calls()).toEqual([]);
    const [record] = recordsOf(records);
    expect(record?.args).toEqual(args);
    expect(record?.files).toContain("refused");
  });

  it("passes a read-only call through with the tool's output and exit status, and records them", async () => {
    const { records, tool, guard } = setUp();
    const ok = await guard("--query-gpu=index,name,mig.mode.current", "--format=csv");
    expect([ok.exitCode, ok.stdout]).toEqual([0, "answer to --query-gpu=index,name,mig.mode.current --format=csv"]);
    const failed = await guard("--fail", "-q");
    expect([failed.exitCode, failed.stdout, failed.stderr]).toEqual([4, "out of --fail", "err of --fail"]);
    expect(tool.calls()).toEqual(["--query-gpu=index,name,mig.mode.current --format=csv", "--fail -q"]);

    const [first, second] = recordsOf(records);
    expect(first?.args).toEqual(["--query-gpu=index,name,mig.mode.current", "--format=csv"]);
    expect(first?.rc).toMatch(/^0 \d+$/);
    expect(second?.rc).toMatch(/^4 \d+$/);
    expect(second?.files).toEqual(["args", "rc", "stderr", "stdout"]);
  });

  it("hands a loop over to the tool itself (exec: same process), recording only its arguments", async () => {
    const { records, guard } = setUp();
    const child = guard("-lms", "100");
    const result = await child;
    // The tool printed its own pid: the guard's, since it replaced itself with the tool.
    expect(result.stdout).toBe(`loop pid ${child.pid}`);
    const [record] = recordsOf(records);
    expect(record?.files).toEqual(["args"]);
  });
});
