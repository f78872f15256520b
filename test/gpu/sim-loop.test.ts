/**
 * The simulator's loop mode (`-l`/`-lms`): the state is read and validated again only when the file
 * changed, a change shows in the next tick, faults still count per call, and `-q -x` loops like the
 * real tool (a stream of documents).
 */
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { initSimState, readSimState, runSim, simBinDir, updateSimState } from "../../src/gpu/sim/index.js";
import { cachedStateSource } from "../../src/gpu/sim/loop.js";
import { telemetryOf } from "../../src/gpu/sim/telemetry.js";
import { XmlDocumentSplitter } from "../../src/metrics/telemetry/mig-memory.js";

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "migbench-sim-loop-"));
  file = path.join(dir, "state.json");
  initSimState({ model: "A100-SXM4-40GB", gpus: 1, file, seed: "loop" });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const env = (): Record<string, string> => ({ MIGBENCH_SIM_STATE: file });

describe("the loop's state source", () => {
  it("keeps the validated state while the file is unchanged, and reads it again once it changed", () => {
    const source = cachedStateSource();
    const first = source.read(file);
    // The same object: neither read nor validated again.
    expect(source.read(file)).toBe(first);
    expect(source.read(file)).toBe(first);

    updateSimState(file, (s) => void (s.gpus[0]!.processes = [{ pid: 4242, name: "train", usedMemoryMiB: 1000 }]));
    const changed = source.read(file);
    expect(changed).not.toBe(first);
    expect(changed.gpus[0]?.processes).toEqual([{ pid: 4242, name: "train", usedMemoryMiB: 1000 }]);
    expect(source.read(file)).toBe(changed);

    // Rewritten in place (same inode, same size): its times tell the change.
    writeFileSync(file, readFileSync(file, "utf8"));
    const later = (Date.now() + 2000) / 1000;
    utimesSync(file, later, later);
    expect(source.read(file)).not.toBe(changed);
  });

  it("says a state without faults cannot fault, so the per-call fault check is skipped; with faults it runs", () => {
    const source = cachedStateSource();
    expect(source.mayFault(file)).toBe(false);
    updateSimState(file, (s) => void (s.faults = [{ command: "--query-gpu", nth: 2, error: "Unknown Error" }]));
    expect(source.mayFault(file)).toBe(true);
    // Calls through the cached source count toward `nth` as one-shot calls do.
    const call = (): number => runSim(["--query-gpu=memory.used", "--format=csv,noheader,nounits"], env(), source).exitCode;
    expect(call()).toBe(0);
    expect(call()).not.toBe(0);
    expect(call()).toBe(0);
  });

  it("hands out a frozen state, whose telemetry equals a fresh read's; an unfrozen state's follows in-place changes", () => {
    runSim(["-i", "0", "-mig", "1"], env());
    runSim(["mig", "-i", "0", "-cgi", "19,19", "-C"], env());
    const kept = cachedStateSource().read(file);
    const gpu = kept.gpus[0]!;
    expect(() => gpu.processes.push({ pid: 1, name: "x", usedMemoryMiB: 1 })).toThrow(TypeError);
    const now = Date.UTC(2026, 7, 17, 10);
    const fresh = readSimState(file).gpus[0]!;
    expect(telemetryOf(gpu, now)).toEqual(telemetryOf(fresh, now));
    expect(telemetryOf(gpu, now + 1000)).toEqual(telemetryOf(fresh, now + 1000));

    const used = telemetryOf(fresh, now).memoryUsedMiB;
    fresh.processes.push({ pid: 4242, name: "train", usedMemoryMiB: 1000 });
    expect(telemetryOf(fresh, now).memoryUsedMiB).toBe(used + 1000);
  });

  it("reports a missing state file in the tool's words", () => {
    const source = cachedStateSource();
    const result = runSim(["--query-gpu=memory.used", "--format=csv"], { MIGBENCH_SIM_STATE: path.join(dir, "nope.json") }, source);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/nope\.json: does not exist/);
  });
});

describe("the simulated nvidia-smi in loop mode", () => {
  it("prints a change of the state in the following ticks", async () => {
    const child = execa(path.join(simBinDir(), "nvidia-smi"), ["--query-gpu=memory.used", "--format=csv,noheader,nounits", "-lms", "50", "-i", "0"], {
      env: env(),
      reject: false,
      buffer: false,
    });
    const seen: number[] = [];
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout! });
    // Fails at once, with the tool's words, should the loop end instead of printing.
    const waitFor = (predicate: () => boolean): Promise<void> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (predicate()) resolve();
          else if (child.exitCode !== null) reject(new Error(`nvidia-smi -lms exited ${child.exitCode}: ${stderr}`));
          else setTimeout(check, 20);
        };
        check();
      });
    lines.on("line", (line) => seen.push(Number(line)));
    await waitFor(() => seen.length >= 2);
    const before = seen.at(-1)!;
    updateSimState(file, (s) => void (s.gpus[0]!.processes = [{ pid: 4242, name: "train", usedMemoryMiB: 1000 }]));
    await waitFor(() => seen.at(-1) === before + 1000);
    child.kill("SIGTERM");
    await child;
    expect(seen.at(-1)).toBe(before + 1000);
  });

  it("acts on SIGTERM only at its next tick, as driver 580's loop does; SIGKILL ends it at once", async () => {
    const child = execa(path.join(simBinDir(), "nvidia-smi"), ["--query-gpu=memory.used", "--format=csv,noheader,nounits", "-lms", "60000", "-i", "0"], {
      env: env(),
      reject: false,
      buffer: false,
    });
    const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once("line", resolve));
    expect(Number(first)).toBeGreaterThanOrEqual(0);
    child.kill("SIGTERM");
    // A minute to its next tick: still there well after the signal.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(child.exitCode).toBeNull();
    child.kill("SIGKILL");
    expect((await child).signal).toBe("SIGKILL");
  });

  it("loops -q -x as a stream of whole documents", () => {
    expect(runSim(["-q", "-x", "-lms", "100", "-i", "0"], env()).exitCode).toBe(0);
    const stream = [runSim(["-q", "-x", "-i", "0"], env()).stdout, runSim(["-q", "-x", "-i", "0"], env()).stdout].join("");
    const splitter = new XmlDocumentSplitter();
    const documents = stream.split("\n").flatMap((l) => {
      const item = splitter.line(l);
      return item && "document" in item ? [item.document] : [];
    });
    expect(documents).toHaveLength(2);
    expect(documents[0]).toMatch(/^<\?xml[\s\S]*<\/nvidia_smi_log>$/);
  });
});
