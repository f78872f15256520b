/**
 * The catalog, the simulator's board facts and the simulator's outputs against a real NVIDIA H200
 * (driver 580.159.04, MIG disabled; test/fixtures/nvidia-smi/h200-580-*). The simulator imitates that
 * driver here; values that belong to one machine (UUID, PCI bus id, serial, live readings) are left out
 * of the comparisons, names, layouts and board facts are not.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireModel } from "../../src/gpu/catalog/index.js";
import { parseGiPlacements, parseGiProfiles, parseQueryCsv, parseQueryXml } from "../../src/gpu/nvidia-smi/index.js";
import { boardOf, enginesOf } from "../../src/gpu/sim/hardware.js";
import { initSimState, runSim, type SimResult } from "../../src/gpu/sim/index.js";
import { factsFromXml } from "../../src/runner/gpu-facts.js";

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/nvidia-smi/${name}`, import.meta.url), "utf8");

const h200 = requireModel("H200-141GB");

describe("the catalog's H200 against the real -lgip and -lgipp", () => {
  it("has the real profiles in -lgip order: names, ids, counts, memory, SMs and engines", () => {
    const real = parseGiProfiles(fixture("h200-580-lgip.txt")).map(({ gpuIndex: _gpu, free: _free, p2p: _p2p, ...profile }) => profile);
    const catalog = (h200.mig?.profiles ?? []).map((p) => {
      const e = enginesOf(h200, p.id);
      return { name: p.name, profileId: p.id, total: p.max, memoryGiB: p.memoryGiB, sms: p.sms, decoders: e.dec, encoders: e.enc, copyEngines: e.ce, jpegDecoders: e.jpeg, ofas: e.ofa };
    });
    expect(catalog).toEqual(real);
  });
  it("has the real placements", () => {
    const real = parseGiPlacements(fixture("h200-580-lgipp.txt")).map(({ profileId, starts, size }) => ({ profileId, starts, size }));
    expect((h200.mig?.profiles ?? []).map((p) => ({ profileId: p.id, starts: p.starts, size: p.memorySlots }))).toEqual(real);
  });
  it("has the real name and memory", () => {
    const [row] = parseQueryCsv(fixture("h200-580-query-gpu.txt"), ["name", "memory.total"]);
    expect(h200.smiNames).toContain(row?.name);
    expect(h200.memoryMiB).toBe(Number(row?.["memory.total"]));
  });
});

describe("the simulator's H200 board facts against the real board", () => {
  it("VBIOS, compute capability, power limit, clocks and idle power are the real ones", () => {
    const text = fixture("h200-580-q-x.xml");
    const [gpu] = parseQueryXml(text).gpus;
    const facts = factsFromXml(text);
    const [cap] = parseQueryCsv(fixture("h200-580-query-gpu-compute-cap.txt"), ["compute_cap"]);
    // The capture is of an idle GPU: its clocks and power draw are the idle ones.
    expect(boardOf(h200)).toEqual({
      vbios: gpu?.vbiosVersion,
      computeCap: cap?.compute_cap,
      powerLimitW: facts.powerLimitW,
      maxSmClockMHz: facts.clocks?.maxSmMHz,
      memClockMHz: facts.clocks?.maxMemoryMHz,
      idleSmClockMHz: gpu?.clocks.smMHz,
      idlePowerW: Math.round(gpu?.power.drawW ?? 0),
    });
  });
});

const UUID = /GPU-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g;
const BUS_ID = /[0-9A-F]{8}:[0-9A-F]{2}:[0-9A-F]{2}\.[0-9A-F]/g;
/** Without the machine's identities. */
const anonymous = (text: string): string => text.replace(UUID, "GPU-<uuid>").replace(BUS_ID, "<bus-id>");
/** Without identities and readings: the layout, the units and the words. */
const shape = (text: string): string => anonymous(text).replace(/\d+(\.\d+)?/g, "<n>");

/**
 * Each line's indentation and element path (`nvidia_smi_log/gpu/pci/pci_bus_id`), or the path of the
 * text on a line of its own (`…/mig_devices/#text`), in document order: the layout without the values.
 */
function outline(xml: string): string[] {
  const open: string[] = [];
  const out: string[] = [];
  for (const line of xml.split("\n")) {
    const indent = /^\s*/.exec(line)?.[0] ?? "";
    const tag = /^\s*<(\/?)([\w.]+)[^>]*>(.*)$/.exec(line);
    if (!tag) {
      if (line.trim() !== "") out.push(`${indent}${[...open, "#text"].join("/")}`);
      continue;
    }
    const [, closing, name, rest] = tag;
    if (closing) {
      open.pop();
      continue;
    }
    out.push(`${indent}${[...open, name].join("/")}`);
    if (!rest?.includes(`</${name}>`)) open.push(name ?? "");
  }
  return out;
}

describe("the simulator against the real H200's outputs, for the calls the harness makes", () => {
  let dir: string;
  let smi: (...argv: string[]) => SimResult;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "migbench-h200-"));
    const file = path.join(dir, "state.json");
    initSimState({ model: "H200-141GB", gpus: 1, file, seed: "h200", driverVersion: "580.159.04" });
    smi = (...argv) => runSim(argv, { MIGBENCH_SIM_STATE: file, MIGBENCH_SIM_NOW: String(Date.UTC(2026, 10, 26, 0, 59, 15)) });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Fixture and the arguments it was captured with. */
  const same: readonly (readonly [string, readonly string[]])[] = [
    ["h200-580-L.txt", ["-L"]],
    ["h200-580-query-gpu-status.txt", ["--query-gpu=index,name,uuid,pci.bus_id,mig.mode.current,mig.mode.pending,driver_version", "--format=csv,nounits"]],
    ["h200-580-query-gpu-mig-mode.txt", ["-i", "0", "--query-gpu=mig.mode.current,mig.mode.pending", "--format=csv,noheader"]],
    ["h200-580-query-gpu-name.txt", ["-i", "0", "--query-gpu=name", "--format=csv,noheader"]],
    ["h200-580-query-gpu-uuid.txt", ["-i", "0", "--query-gpu=uuid", "--format=csv,noheader"]],
    ["h200-580-query-gpu-compute-cap.txt", ["--query-gpu=compute_cap", "--format=csv,noheader,nounits", "-i", "0"]],
    ["h200-580-compute-apps.txt", ["--query-compute-apps=pid,process_name,used_memory", "--format=csv"]],
    ["h200-580-compute-apps-nounits.txt", ["--query-compute-apps=gpu_uuid,pid,process_name,used_memory", "--format=csv,nounits", "-i", "0"]],
    ["h200-580-lgip.txt", ["mig", "-lgip"]],
    ["h200-580-lgipp.txt", ["mig", "-lgipp"]],
    ["h200-580-lcip.txt", ["mig", "-lcip"]],
  ];
  it.each(same)("%s: the same output and exit code 0, identities aside", (name, argv) => {
    const result = smi(...argv);
    expect({ ...result, stdout: anonymous(result.stdout) }).toEqual({ stdout: anonymous(fixture(name)), stderr: "", exitCode: 0 });
  });

  it("--query-gpu with units: the same header, and values with the same units", () => {
    const fields = "index,name,uuid,pci.bus_id,driver_version,mig.mode.current,mig.mode.pending,memory.total,memory.used,utilization.gpu,compute_mode";
    const result = smi(`--query-gpu=${fields}`, "--format=csv");
    expect(result.exitCode).toBe(0);
    expect(shape(result.stdout)).toBe(shape(fixture("h200-580-query-gpu.txt")));
  });

  describe("-q -x -i 0", () => {
    const real = fixture("h200-580-q-x.xml");
    const simulated = (): string => smi("-q", "-x", "-i", "0").stdout;

    it("has the real prolog, and every element it prints where the real report has it: same nesting, order and tab indentation", () => {
      const sim = simulated();
      expect(sim.split("\n").slice(0, 3)).toEqual(real.split("\n").slice(0, 3));
      const printed = outline(sim);
      const kept = new Set(printed);
      expect(printed).toEqual(outline(real).filter((line) => kept.has(line)));
      // The layouts that differ between drivers are there.
      expect(printed).toEqual(expect.arrayContaining(["\t\t\tnvidia_smi_log/gpu/mig_devices/#text", "\t\t\tnvidia_smi_log/gpu/gpu_power_readings/average_power_draw"]));
    });

    it("parses to the same board: every reading the real report gives, the simulated one gives too", () => {
      const [sim] = parseQueryXml(simulated()).gpus;
      const [gpu] = parseQueryXml(real).gpus;
      const given = (value: unknown): unknown =>
        value !== null && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, given(v)])) : value !== undefined;
      expect(given(sim)).toEqual(given(gpu));
      expect(sim).toMatchObject({ productName: gpu?.productName, vbiosVersion: gpu?.vbiosVersion, migMode: gpu?.migMode, migDevices: [], processes: [] });
      expect([sim?.memory.totalMiB, sim?.power.limitW]).toEqual([gpu?.memory.totalMiB, gpu?.power.limitW]);
    });

    it("gives the board facts a result records as the real report does, ECC and application clocks included", () => {
      const sim = factsFromXml(simulated());
      const { eccMode, uuid: _uuid, pciBusId: _bus, clocks, ...facts } = factsFromXml(real);
      expect(sim).toMatchObject(facts);
      expect(sim.clocks).toMatchObject({ maxSmMHz: clocks?.maxSmMHz, maxMemoryMHz: clocks?.maxMemoryMHz });
      expect(sim.eccMode).toBe(eccMode);
      expect(sim.clocks).toEqual(clocks);
    });
  });
});
