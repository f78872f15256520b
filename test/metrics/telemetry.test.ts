/**
 * Telemetry: the pieces in isolation (integration of power, reasons, dmon lines, CSV summaries), then the
 * samplers for real: a long-lived simulated nvidia-smi per GPU, the MIG memory poller, and a fake `dcgmi`.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveFields } from "../../src/gpu/nvidia-smi/query-fields.js";
import { initSimState, runSim, simBinDir } from "../../src/gpu/sim/index.js";
import {
  clockEventReasons,
  DmonParser,
  EnergyIntegrator,
  findDcgmi,
  parseSmiTimestamp,
  readCsvRows,
  splitCsvLine,
  startTelemetry,
  summarizeGpuCsv,
} from "../../src/metrics/telemetry/index.js";
import { GpuSampler } from "../../src/metrics/telemetry/gpu-sampler.js";
import { root } from "../cli/helpers.js";
import { deviceKey, MigMemoryPoller, XmlDocumentSplitter } from "../../src/metrics/telemetry/mig-memory.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "migbench-telemetry-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("energy integration", () => {
  it("integrates power with trapezoids and skips gaps in the readings", () => {
    const e = new EnergyIntegrator();
    e.add(0, 100);
    e.add(1000, 200); // 150 J
    e.add(2000, undefined); // a missing reading: no pair on either side
    e.add(3000, 300);
    e.add(5000, 300); // 600 J
    expect(e.energyJoules).toBe(750);
    expect(e.energySeconds).toBe(3);
  });

  it("clips to windows, interpolating at their edges", () => {
    const e = new EnergyIntegrator([
      { startMs: 500, endMs: 1500 },
      { startMs: 10_000, endMs: 11_000 },
    ]);
    e.add(0, 100);
    e.add(1000, 200);
    e.add(2000, 200);
    // 500..1000: (150 + 200) / 2 * 0.5 = 87.5; 1000..1500: 200 * 0.5 = 100.
    expect(e.windows[0]).toEqual({ joules: 187.5, coveredMs: 1000, pairs: 2 });
    expect(e.windows[1]).toEqual({ joules: 0, coveredMs: 0, pairs: 0 });
    expect(new EnergyIntegrator().energyJoules).toBeNull();
  });
});

describe("query fields the driver may not know", () => {
  it("drops a refused field, falls back to its older name, and remembers refusals per tool", async () => {
    const known = new Set(["power.draw", "clocks_throttle_reasons.active"]);
    const asked: string[][] = [];
    const probe = async (fields: readonly string[]): Promise<string | undefined> => {
      asked.push([...fields]);
      return fields.find((f) => !known.has(f));
    };
    const choices = [["power.draw"], ["clocks_event_reasons.active", "clocks_throttle_reasons.active"], ["ecc.mode.current"]] as const;
    const first = await resolveFields(choices, probe, "tool-a");
    expect(first.unsupported).toEqual(["ecc.mode.current"]);
    expect([...first.resolved]).toEqual([
      ["power.draw", "power.draw"],
      ["clocks_event_reasons.active", "clocks_throttle_reasons.active"],
    ]);
    expect(asked).toHaveLength(3);
    // The same tool again: one query, the refused names are not asked again.
    asked.length = 0;
    const second = await resolveFields(choices, probe, "tool-a");
    expect(asked).toEqual([["power.draw", "clocks_throttle_reasons.active"]]);
    expect(second.unsupported).toEqual(["ecc.mode.current"]);
  });
});

describe("telemetry values", () => {
  it("names clock event reasons from their mask", () => {
    expect(clockEventReasons("0x0000000000000004")).toEqual(["sw_power_cap"]);
    expect(clockEventReasons("0x0000000000000005")).toEqual(["gpu_idle", "sw_power_cap"]);
    expect(clockEventReasons("0x1000")).toEqual(["0x1000"]);
    expect(clockEventReasons("")).toEqual([]);
  });

  it("reads nvidia-smi's local timestamps", () => {
    expect(parseSmiTimestamp("2026/08/17 10:00:00.250")).toBe(new Date(2026, 7, 17, 10, 0, 0, 250).getTime());
    expect(parseSmiTimestamp("[N/A]")).toBeUndefined();
  });

  it("reads dcgmi dmon lines by their header, N/A as absent", () => {
    const p = new DmonParser();
    expect(p.line("#Entity   GRACT   SMACT   SMOCC   TENSO   DRAMA")).toBeUndefined();
    expect(p.line("ID")).toBeUndefined();
    expect(p.line("GPU 0     0.812   0.790   0.401   N/A     0.330")).toEqual({ entity: "GPU", id: "0", values: [0.812, 0.79, 0.401, undefined, 0.33] });
    expect(p.line("GPU-I 3   0.512   0.498   0.233   0.000   0.101")).toEqual({ entity: "GPU-I", id: "3", values: [0.512, 0.498, 0.233, 0, 0.101] });
    expect(p.line("Error setting watches. Result: Profiling is not supported for this group of GPUs")).toBe("error");
  });

  it("splits a stream of -q -x documents: prolog or not, stray lines and a document cut short reported", () => {
    const doc = (used: number): string[] => ['<?xml version="1.0" ?>', "<!DOCTYPE nvidia_smi_log SYSTEM \"nvsmi_device_v12.dtd\">", "<nvidia_smi_log>", `    <used>${used}</used>`, "</nvidia_smi_log>"];
    const splitter = new XmlDocumentSplitter();
    const items = [
      "Failed to initialize NVML: Driver/library version mismatch",
      ...doc(1),
      "",
      ...doc(2).slice(0, 3),
      ...doc(3),
      "<nvidia_smi_log>",
      "<used>4</used>",
      "</nvidia_smi_log>",
    ].map((l) => splitter.line(l));
    expect(items.filter((i) => i !== undefined)).toEqual([
      { stray: "Failed to initialize NVML: Driver/library version mismatch" },
      { document: doc(1).join("\n") },
      { stray: "a document cut short by the next one" },
      { document: doc(3).join("\n") },
      { document: "<nvidia_smi_log>\n<used>4</used>\n</nvidia_smi_log>" },
    ]);
  });

  it("splits CSV lines with quotes", () => {
    expect(splitCsvLine('a,"b,c",,"d ""e"""')).toEqual(["a", "b,c", "", 'd "e"']);
  });

  it("summarizes a telemetry CSV: absent readings counted apart, reasons counted, energy integrated", async () => {
    const file = path.join(dir, "gpu0.csv");
    writeFileSync(
      file,
      [
        "time,epoch_ms,gpu,utilization_gpu_pct,utilization_memory_pct,memory_used_mib,memory_total_mib,power_draw_w,sm_clock_mhz,mem_clock_mhz,temperature_c,clock_event_reasons",
        "2026-11-25T14:00:00.000Z,1000,0,,,300,40960,100,1410,1215,40,0x0000000000000000",
        "2026-11-25T14:00:01.000Z,2000,0,,,500,40960,300,1410,1215,60,0x0000000000000004",
        "2026-11-25T14:00:02.000Z,3000,0,,,400,40960,300,1395,1215,62,0x0000000000000004",
      ].join("\n") + "\n",
    );
    const s = await summarizeGpuCsv(file, [{ startMs: 1500, endMs: 3000 }]);
    expect(s.samples).toBe(3);
    expect(s.fields.utilization_gpu_pct).toEqual({ n: 0, absent: 3, mean: null, min: null, max: null });
    expect(s.fields.memory_used_mib).toEqual({ n: 3, absent: 0, mean: 400, min: 300, max: 500 });
    expect(s.throttleReasons).toEqual({ sw_power_cap: 2 });
    expect(s.energyJoules).toBe(500);
    expect(s.windows).toEqual([{ energyJoules: 125 + 300, coveredSeconds: 1.5 }]);
  });
});

/** A simulated host with MIG on and `count` 1g instances; the env that puts its nvidia-smi first on PATH. */
async function simHost(count: number): Promise<{ env: Record<string, string>; file: string }> {
  const file = path.join(dir, `state-${count}.json`);
  initSimState({ model: "A100-SXM4-40GB", gpus: 1, file, seed: "telemetry" });
  const env = { MIGBENCH_SIM_STATE: file };
  expect(runSim(["-i", "0", "-mig", "1"], env).exitCode).toBe(0);
  if (count > 0) expect(runSim(["mig", "-i", "0", "-cgi", Array(count).fill("19").join(","), "-C"], env).exitCode).toBe(0);
  return { file, env: { ...env, PATH: `${simBinDir()}${path.delimiter}${process.env.PATH ?? ""}` } };
}

const pidsOf = async (pattern: string): Promise<string[]> => {
  const ps = await execa("ps", ["-eo", "pid,args"], { reject: false });
  return String(ps.stdout)
    .split("\n")
    .filter((l) => l.includes(pattern))
    .map((l) => l.trim().split(/\s+/)[0] as string);
};

describe("telemetry against the simulated nvidia-smi", () => {
  it("runs one long-lived sampler, records [N/A] as absent, per-device memory, and stops every process", async () => {
    const host = await simHost(3);
    const out = path.join(dir, "run1", "telemetry");
    const session = await startTelemetry({ dir: out, gpus: [0], intervalMs: 100, migIntervalMs: 300, smi: { env: host.env }, dcgm: "off" });
    // One `-lms` process for the GPU, not a process per sample; one looping `-q -x` for MIG memory, not a process per reading.
    expect(await pidsOf("-lms 100")).toHaveLength(1);
    expect(await pidsOf("-q -x -lms 300")).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1200));
    const recording = await session.stop();
    expect(await session.stop()).toBe(recording);
    expect(await pidsOf("-lms 100")).toEqual([]);
    expect(await pidsOf("-q -x -lms 300")).toEqual([]);

    const gpu = recording.gpus[0];
    expect(gpu?.samples).toBeGreaterThanOrEqual(3);
    // The simulator's driver (535 or later) knows the clock event reasons under their new name.
    expect(gpu?.unsupportedFields).toEqual([]);
    const rows = [];
    for await (const row of readCsvRows(path.join(out, "gpu0.csv"))) rows.push(row);
    expect(rows.length).toBe(gpu?.samples);
    for (const row of rows) {
      // Under MIG utilization reads [N/A]: an empty cell, never 0.
      expect(row.utilization_gpu_pct).toBe("");
      expect(Number(row.power_draw_w)).toBeGreaterThan(0);
      expect(Number(row.memory_total_mib)).toBe(40960);
      expect(row.clock_event_reasons).toMatch(/^0x[0-9A-F]{16}$/);
    }
    expect(recording.migMemory?.samples).toBeGreaterThanOrEqual(3);
    const mig = readFileSync(path.join(out, "mig-memory.csv"), "utf8").trim().split("\n");
    expect(mig[0]).toBe("time,epoch_ms,gpu,device_index,gi_id,ci_id,uuid,memory_used_mib,memory_total_mib");
    expect(mig[1]).toMatch(/,0,0,\d+,0,,\d+,4864$/);
    expect(recording.warnings).toEqual([]);
  });

  it("writes each line of the looping tool as a row: units dropped, placeholders empty, a field the driver refused empty, odd lines warned of", async () => {
    const bin = path.join(dir, "fake-smi-lines");
    mkdirSync(bin, { recursive: true });
    const smi = path.join(bin, "nvidia-smi");
    writeFileSync(
      smi,
      [
        "#!/bin/sh",
        `echo "$*" >> '${path.join(bin, "calls.log")}'`,
        `case "$*" in *utilization.memory*) echo 'Field "utilization.memory" is not a valid field to query.'; exit 2;; esac`,
        'case "$*" in *-lms*)',
        "  printf '2026/08/17 10:00:00.250, 45 %%, 1000 MiB, 40960, 250.5, 1410, 1215, 60, 0x0000000000000004\\n\\nnot a reading\\n'",
        "  printf '2026/08/17 10:00:00.350, [Not Supported], 1001, 40960, [N/A], 1410, 1215, 61, [N/A]\\r\\n'",
        "  exec sleep 600;;",
        "esac",
        "exit 9",
      ].join("\n") + "\n",
    );
    chmodSync(smi, 0o755);
    const file = path.join(dir, "gpu-lines.csv");
    const rows: Record<string, unknown>[] = [];
    let twoRows = (): void => undefined;
    const seen = new Promise<void>((resolve) => (twoRows = resolve));
    const sampler = new GpuSampler({ index: 0, intervalMs: 100, file, smi: { bin: smi, timeoutMs: 5_000 }, onSample: (row) => rows.push(row) === 2 && twoRows() });
    await sampler.start();
    await seen;
    const result = await sampler.stop();
    const first = new Date(2026, 7, 17, 10, 0, 0, 250);
    const second = new Date(2026, 7, 17, 10, 0, 0, 350);
    expect(readFileSync(file, "utf8")).toBe(
      [
        "time,epoch_ms,gpu,utilization_gpu_pct,utilization_memory_pct,memory_used_mib,memory_total_mib,power_draw_w,sm_clock_mhz,mem_clock_mhz,temperature_c,clock_event_reasons",
        `${first.toISOString()},${first.getTime()},0,45,,1000,40960,250.5,1410,1215,60,0x0000000000000004`,
        `${second.toISOString()},${second.getTime()},0,,,1001,40960,,1410,1215,61,`,
        "",
      ].join("\n"),
    );
    expect(result.samples).toBe(2);
    expect(result.unsupportedFields).toEqual(["utilization.memory"]);
    // No probe: the loop itself was refused over the unknown field, and started again without it.
    const loop = (fields: string) => `--query-gpu=timestamp,${fields},memory.used,memory.total,power.draw,clocks.sm,clocks.mem,temperature.gpu,clocks_event_reasons.active --format=csv,noheader,nounits -lms 100 -i 0`;
    expect(readFileSync(path.join(bin, "calls.log"), "utf8").trim().split("\n")).toEqual([loop("utilization.gpu,utilization.memory"), loop("utilization.gpu")]);
    expect(result.warnings).toEqual(["telemetry: GPU 0: unexpected line from nvidia-smi: not a reading"]);
    // The rows handed out name the columns sampled; a refused field has none.
    expect(Object.keys(rows[1]!)).toEqual(["time", "epoch_ms", "gpu", "utilization_gpu_pct", "memory_used_mib", "memory_total_mib", "power_draw_w", "sm_clock_mhz", "mem_clock_mhz", "temperature_c", "clock_event_reasons"]);
    expect(rows[0]).toMatchObject({ epoch_ms: first.getTime(), utilization_gpu_pct: 45, memory_used_mib: 1000, clock_event_reasons: "0x0000000000000004" });
  });

  it("samples what a real H200 (driver 580) prints, after the driver's own refusal of a field", async () => {
    const fixture = (name: string): string => path.join(root, "test", "fixtures", "nvidia-smi", name);
    const real = readFileSync(fixture("h200-580-loop.csv"), "utf8").trim().split("\n");
    const bin = path.join(dir, "fake-smi-h200");
    mkdirSync(bin, { recursive: true });
    // The loop's real lines without their last column, for a driver that refuses the clock event reasons
    // (under either name) with the real refusal, byte for byte, naming the field asked for.
    writeFileSync(path.join(bin, "loop.csv"), real.map((line) => line.replace(/, 0x0000000000000001$/, "")).join("\n") + "\n");
    const smi = path.join(bin, "nvidia-smi");
    writeFileSync(
      smi,
      [
        "#!/bin/sh",
        'case "$*" in',
        "  *clocks_event_reasons.active*) field=clocks_event_reasons.active ;;",
        "  *clocks_throttle_reasons.active*) field=clocks_throttle_reasons.active ;;",
        `  *-lms*) cat '${path.join(bin, "loop.csv")}'; exec sleep 600 ;;`,
        "  *) exit 9 ;;",
        "esac",
        `sed "s/no\\.such\\.field/$field/" '${fixture("h200-580-loop-refused.txt")}'`,
        "exit 2",
      ].join("\n") + "\n",
    );
    chmodSync(smi, 0o755);
    const file = path.join(dir, "gpu-h200.csv");
    let all = (): void => undefined;
    const seen = new Promise<void>((resolve) => (all = resolve));
    let count = 0;
    const sampler = new GpuSampler({ index: 0, intervalMs: 200, file, smi: { bin: smi, timeoutMs: 5_000 }, onSample: () => ++count === real.length && all() });
    await sampler.start();
    await seen;
    const result = await sampler.stop();
    expect(result.samples).toBe(real.length);
    expect(result.unsupportedFields).toEqual(["clocks_event_reasons.active"]);
    expect(result.warnings).toEqual([]);
    const rows = readFileSync(file, "utf8").trim().split("\n");
    const at = new Date(2026, 10, 26, 1, 10, 52, 356);
    // The refused field keeps its column, empty.
    expect(rows[0]).toBe("time,epoch_ms,gpu,utilization_gpu_pct,utilization_memory_pct,memory_used_mib,memory_total_mib,power_draw_w,sm_clock_mhz,mem_clock_mhz,temperature_c,clock_event_reasons");
    expect(rows[1]).toBe(`${at.toISOString()},${at.getTime()},0,0,0,0,143771,78.74,345,3201,29,`);
    expect(rows).toHaveLength(real.length + 1);
  });

  it("reads per-device memory from a tool that exits after each document: warns, starts it again, keeps reading", async () => {
    const bin = path.join(dir, "fake-smi-once");
    mkdirSync(bin, { recursive: true });
    const smi = path.join(bin, "nvidia-smi");
    const host = await simHost(2);
    writeFileSync(smi, `#!/bin/sh\ncat <<'END'\n${runSim(["-q", "-x", "-i", "0"], host.env).stdout}END\n`);
    chmodSync(smi, 0o755);
    const file = path.join(dir, "mig-once.csv");
    const firstGi = Number(/<gpu_instance_id>(\d+)</.exec(readFileSync(smi, "utf8"))?.[1]);
    const poller = new MigMemoryPoller({ gpus: [0], intervalMs: 100, file, smi: { bin: smi, timeoutMs: 5_000 }, uuids: new Map([[deviceKey(firstGi, 0), "MIG-x"]]) });
    poller.start();
    await new Promise((r) => setTimeout(r, 800));
    const result = await poller.stop();
    expect(result.samples).toBeGreaterThanOrEqual(4);
    expect(result.warnings[0]).toMatch(/nvidia-smi -q -x for GPU 0 stopped early \(exit 0\)/);
    expect(result.warnings.length).toBeLessThanOrEqual(3);
    const rows = readFileSync(file, "utf8").trim().split("\n");
    expect(rows.filter((r) => r.includes(",MIG-x,")).length).toBe(result.samples / 2);
  });

  it("starts a looping tool again when it hangs without a reading, and keeps the readings it gave", async () => {
    const bin = path.join(dir, "fake-smi-hang");
    mkdirSync(bin, { recursive: true });
    const smi = path.join(bin, "nvidia-smi");
    const host = await simHost(1);
    writeFileSync(smi, `#!/bin/sh\ncat <<'END'\n${runSim(["-q", "-x", "-i", "0"], host.env).stdout}END\nexec sleep 600\n`);
    chmodSync(smi, 0o755);
    const starts: number[] = [];
    const poller = new MigMemoryPoller({ gpus: [0], intervalMs: 100, file: path.join(dir, "mig-hang.csv"), smi: { bin: smi, timeoutMs: 300 }, uuids: new Map(), onReading: () => starts.push(Date.now()) });
    poller.start();
    await new Promise((r) => setTimeout(r, 1_500));
    const result = await poller.stop();
    expect(result.warnings[0]).toBe("telemetry: nvidia-smi -q -x for GPU 0 gave no reading for 300 ms; started again");
    expect(result.warnings.every((w) => !w.includes("stopped early"))).toBe(true);
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect(result.samples).toBe(starts.length);
  });

  it("draws more power with more MIG instances (the simulator's load follows the layout)", async () => {
    const power = async (count: number): Promise<number> => {
      const host = await simHost(count);
      const result = runSim(["--query-gpu=power.draw", "--format=csv,noheader,nounits", "-i", "0"], host.env);
      return Number(result.stdout.trim());
    };
    const idle = await power(0);
    const seven = await power(7);
    expect(seven).toBeGreaterThan(idle * 2);
  });

  it("stops at once loops that act on SIGTERM only at their next tick, minutes away", async () => {
    const host = await simHost(2);
    const out = path.join(dir, "run-slow", "telemetry");
    const session = await startTelemetry({ dir: out, gpus: [0], intervalMs: 120_000, migIntervalMs: 120_000, smi: { env: host.env }, dcgm: "off" });
    // The first sample and the first reading come at once; the next ones, and the loops' next ticks, in two minutes.
    await expect.poll(() => readFileSync(path.join(out, "mig-memory.csv"), "utf8").trim().split("\n").length, { timeout: 10_000 }).toBeGreaterThan(1);
    const recording = await session.stop();
    expect([recording.gpus[0]?.samples, recording.migMemory?.samples]).toEqual([1, 2]);
    expect(await pidsOf("-lms 120000")).toEqual([]);
    expect(recording.warnings).toEqual([]);
  });

  it("samples DCGM profiling fields when dcgmi is on PATH, and warns instead of failing when nvidia-smi is missing", async () => {
    const bin = path.join(dir, "fake-dcgm");
    mkdirSync(bin, { recursive: true });
    const dcgmi = path.join(bin, "dcgmi");
    writeFileSync(
      dcgmi,
      [
        "#!/bin/sh",
        'echo "#Entity   GRACT   SMACT   SMOCC   TENSO   DRAMA"',
        'echo "ID"',
        "while true; do",
        '  echo "GPU 0     0.812   0.790   0.401   0.100   0.330"',
        '  echo "GPU-I 7   N/A     0.498   0.233   0.000   0.101"',
        "  sleep 0.1",
        "done",
      ].join("\n") + "\n",
    );
    chmodSync(dcgmi, 0o755);
    expect(await findDcgmi(`/nonexistent${path.delimiter}${bin}`)).toBe(dcgmi);
    expect(await findDcgmi("/nonexistent")).toBeUndefined();

    const out = path.join(dir, "run2", "telemetry");
    // No nvidia-smi on this PATH: the GPU sampler cannot start, DCGM still samples.
    const session = await startTelemetry({ dir: out, gpus: [0], intervalMs: 100, migIntervalMs: null, smi: { bin: "nvidia-smi-nowhere", env: { PATH: bin } } });
    await new Promise((r) => setTimeout(r, 600));
    const recording = await session.stop();
    expect(recording.gpus).toEqual([]);
    expect(recording.warnings[0]).toMatch(/^telemetry: GPU 0 not sampled/);
    expect(recording.dcgm?.samples).toBeGreaterThanOrEqual(2);
    const rows = readFileSync(path.join(out, "dcgm.csv"), "utf8").trim().split("\n");
    expect(rows[0]).toBe("time,epoch_ms,entity,entity_id,gr_engine_active,sm_active,sm_occupancy,tensor_active,dram_active");
    expect(rows.find((r) => r.includes(",GPU-I,7,"))).toMatch(/,GPU-I,7,,0\.498,0\.233,0,0\.101$/);
    expect(await pidsOf(dcgmi)).toEqual([]);
  });
});
