import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  NvidiaSmi,
  OutputFormatError,
  parseCiProfiles,
  parseComputeInstances,
  parseCreateOutput,
  parseDestroyOutput,
  parseGiPlacements,
  parseGiProfiles,
  parseGpuInstances,
  parseListGpus,
  parseQueryCsv,
  parseQueryXml,
} from "../../src/gpu/nvidia-smi/index.js";
import { factsFromXml } from "../../src/runner/gpu-facts.js";

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/nvidia-smi/${name}`, import.meta.url), "utf8");

describe("parseGiProfiles (-lgip)", () => {
  const h100 = [
    { name: "1g.10gb", profileId: 19, free: 7, total: 7, memoryGiB: 9.75, sms: 16, decoders: 1, encoders: 0, copyEngines: 1, jpegDecoders: 1, ofas: 0 },
    { name: "1g.10gb+me", profileId: 20, free: 1, total: 1, memoryGiB: 9.75, sms: 16, decoders: 1, encoders: 0, copyEngines: 1, jpegDecoders: 1, ofas: 1 },
    { name: "1g.20gb", profileId: 15, free: 4, total: 4, memoryGiB: 19.62, sms: 26, decoders: 1, encoders: 0, copyEngines: 1, jpegDecoders: 1, ofas: 0 },
    { name: "2g.20gb", profileId: 14, free: 3, total: 3, memoryGiB: 19.62, sms: 32, decoders: 2, encoders: 0, copyEngines: 2, jpegDecoders: 2, ofas: 0 },
    { name: "3g.40gb", profileId: 9, free: 2, total: 2, memoryGiB: 39.5, sms: 60, decoders: 3, encoders: 0, copyEngines: 3, jpegDecoders: 3, ofas: 0 },
    { name: "4g.40gb", profileId: 5, free: 1, total: 1, memoryGiB: 39.5, sms: 64, decoders: 4, encoders: 0, copyEngines: 4, jpegDecoders: 4, ofas: 0 },
    { name: "7g.80gb", profileId: 0, free: 1, total: 1, memoryGiB: 79.25, sms: 132, decoders: 7, encoders: 0, copyEngines: 8, jpegDecoders: 7, ofas: 1 },
  ].map((row) => ({ gpuIndex: 0, p2p: false, ...row }));

  it("reads the 81-column H100 capture, both lines of each record", () => {
    expect(parseGiProfiles(fixture("lgip-h100-81col.txt"))).toEqual(h100);
  });
  it("reads the 79-column variant the same way", () => {
    expect(parseGiProfiles(fixture("lgip-79col-derived.txt"))).toEqual(h100);
  });
  it("reads the reference's 79-column row of an H100 NVL", () => {
    const [top, title, h1, h2, rule] = fixture("lgip-79col-derived.txt").split("\n");
    const row = "|   0  MIG 1g.12gb       19     7/7        10.75      No     16     1     0   |";
    const [parsed] = parseGiProfiles([top, title, h1, h2, rule, row, top].join("\n"));
    expect(parsed).toMatchObject({ name: "1g.12gb", profileId: 19, free: 7, total: 7, memoryGiB: 10.75, sms: 16 });
  });
  it("reads 'No MIG-enabled devices found.' as no profiles and rejects other text", () => {
    expect(parseGiProfiles("No MIG-enabled devices found.\n")).toEqual([]);
    expect(() => parseGiProfiles("Segmentation fault\n")).toThrow(OutputFormatError);
  });
});

describe("parseGiPlacements (-lgipp)", () => {
  it("reads Placements and the single Placement form", () => {
    const rows = parseGiPlacements(fixture("lgipp.txt"));
    expect(rows.map((r) => r.profileId)).toEqual([19, 20, 15, 14, 9, 5, 0]);
    expect(rows[0]).toEqual({ gpuIndex: 0, profileId: 19, starts: [0, 1, 2, 3, 4, 5, 6], size: 1 });
    expect(rows[4]).toEqual({ gpuIndex: 0, profileId: 9, starts: [0, 4], size: 4 });
    expect(rows[5]).toEqual({ gpuIndex: 0, profileId: 5, starts: [0], size: 4 });
    expect(rows[6]).toEqual({ gpuIndex: 0, profileId: 0, starts: [0], size: 8 });
  });
});

describe("parseGpuInstances (-lgi)", () => {
  const expected = [
    { gpuIndex: 0, name: "1g.10gb", profileId: 19, instanceId: 13, placement: { start: 6, size: 1 } },
    { gpuIndex: 0, name: "3g.40gb", profileId: 9, instanceId: 1, placement: { start: 0, size: 4 } },
    { gpuIndex: 0, name: "1g.10gb+me", profileId: 20, instanceId: 11, placement: { start: 4, size: 1 } },
  ];
  it("reads the newer format with Placement, in the tool's row order", () => {
    expect(parseGpuInstances(fixture("lgi-newer.txt"))).toEqual(expected);
  });
  it("reads the older, narrower header", () => {
    expect(parseGpuInstances(fixture("lgi-narrow-derived.txt"))).toEqual(expected);
  });
  it("reads 'No GPU instances found' as none", () => {
    expect(parseGpuInstances("No GPU instances found: Not Found\n")).toEqual([]);
  });
});

describe("parseComputeInstances (-lci)", () => {
  it("reads the newer format: GPU instance id and compute instance id are told apart by their headers", () => {
    expect(parseComputeInstances(fixture("lci-newer.txt"))).toEqual([
      { gpuIndex: 0, gpuInstanceId: 13, name: "1g.10gb", profileId: 0, instanceId: 0, placement: { start: 0, size: 1 } },
      { gpuIndex: 0, gpuInstanceId: 1, name: "1c.3g.40gb", profileId: 0, instanceId: 0, placement: { start: 2, size: 1 } },
      { gpuIndex: 0, gpuInstanceId: 11, name: "1g.10gb", profileId: 0, instanceId: 0, placement: { start: 0, size: 1 } },
    ]);
  });
  it("reads the older format without Placement", () => {
    const rows = parseComputeInstances(fixture("lci-older-derived.txt"));
    expect(rows.map((r) => [r.gpuInstanceId, r.name, r.instanceId, r.placement])).toEqual([
      [13, "1g.10gb", 0, undefined],
      [1, "1c.3g.40gb", 0, undefined],
      [11, "1g.10gb", 0, undefined],
    ]);
  });
});

describe("parseCiProfiles (-lcip)", () => {
  it("reads each compute-instance profile and the starred default", () => {
    expect(parseCiProfiles(fixture("lcip-a100.txt"))).toEqual([
      { gpuIndex: 0, gpuInstanceId: 2, name: "1c.4g.20gb", profileId: 0, isDefault: false, free: 4, total: 4, sms: 14 },
      { gpuIndex: 0, gpuInstanceId: 2, name: "2c.4g.20gb", profileId: 1, isDefault: false, free: 2, total: 2, sms: 28 },
      { gpuIndex: 0, gpuInstanceId: 2, name: "4g.20gb", profileId: 3, isDefault: true, free: 1, total: 1, sms: 56 },
    ]);
  });
});

describe("parseListGpus (-L)", () => {
  it("reads the new style: name, device index and MIG UUID, no instance ids", () => {
    expect(parseListGpus(fixture("list-new-h100.txt"))).toEqual([
      {
        index: 0,
        name: "NVIDIA H100 80GB HBM3",
        uuid: "GPU-0d0831da-0c98-2717-6446-8acd91d39b65",
        migDevices: [
          { name: "1c.3g.40gb", deviceIndex: 0, uuid: "MIG-5ff0d535-9a82-5af6-80df-768b9d3ac092" },
          { name: "1g.10gb", deviceIndex: 1, uuid: "MIG-8443519f-66f7-5962-8955-60dba0866f3a" },
          { name: "1g.10gb", deviceIndex: 2, uuid: "MIG-ee6996fb-86fb-5405-83f0-b20887da1bb3" },
        ],
      },
    ]);
  });
  it("reads the H200 lines", () => {
    const [gpu] = parseListGpus(fixture("list-new-h200.txt"));
    expect(gpu?.name).toBe("NVIDIA H200");
    expect(gpu?.migDevices).toEqual([{ name: "1g.18gb", deviceIndex: 0, uuid: "MIG-30366fdf-6105-5648-968d-679e250aa830" }]);
  });
  it("reads the old style's instance ids from the UUID and skips the elision", () => {
    const [gpu] = parseListGpus(fixture("list-old-a100.txt"));
    expect(gpu?.name).toBe("A100-SXM4-40GB");
    expect(gpu?.migDevices.map((d) => [d.deviceIndex, d.gpuInstanceId, d.computeInstanceId])).toEqual([
      [0, 7, 0],
      [1, 8, 0],
      [6, 14, 0],
    ]);
    expect(gpu?.migDevices[0]?.uuid).toBe("MIG-GPU-5c89852c-d268-c3f3-1b07-005d5ae1dc3f/7/0");
  });
  it("lists GPUs without MIG devices and rejects a device before any GPU", () => {
    expect(parseListGpus("GPU 0: Tesla T4 (UUID: GPU-11111111-2222-3333-4444-555555555555)\nGPU 1: Tesla T4 (UUID: GPU-aaaaaaaa-2222-3333-4444-555555555555)\n")).toHaveLength(2);
    expect(() => parseListGpus("  MIG 1g.5gb Device 0: (UUID: MIG-GPU-x/7/0)\n")).toThrow(OutputFormatError);
  });
});

describe("parseCreateOutput / parseDestroyOutput", () => {
  it("reads -cgi -C: GPU instances and their default compute instances", () => {
    expect(parseCreateOutput(fixture("cgi-C-a100.txt"))).toEqual({
      gpuInstances: [
        { gpuIndex: 0, instanceId: 2, profileName: "3g.20gb", profileId: 9 },
        { gpuIndex: 0, instanceId: 1, profileName: "3g.20gb", profileId: 9 },
      ],
      computeInstances: [
        { gpuIndex: 0, gpuInstanceId: 2, instanceId: 0, profileName: "3g.20gb", profileId: 2 },
        { gpuIndex: 0, gpuInstanceId: 1, instanceId: 0, profileName: "3g.20gb", profileId: 2 },
      ],
    });
  });
  it("keeps the creation order of 7 x 1g and ids that do not follow placement", () => {
    const out = parseCreateOutput(fixture("cgi-7x1g-h100-pcie.txt"));
    expect(out.gpuInstances.map((g) => g.instanceId)).toEqual([9, 7, 8, 11, 12, 13, 14]);
    expect(out.computeInstances.map((c) => [c.gpuInstanceId, c.instanceId])).toEqual([9, 7, 8, 11, 12, 13, 14].map((gi) => [gi, 0]));
  });
  it("reads -cgi without -C and both -cci line forms", () => {
    expect(parseCreateOutput(fixture("cgi-without-C.txt")).gpuInstances.map((g) => [g.instanceId, g.profileName, g.profileId])).toEqual([
      [13, "1g.5gb", 19],
      [5, "2g.10gb", 14],
      [1, "4g.20gb", 5],
    ]);
    expect(parseCreateOutput(fixture("cci-guide.txt")).computeInstances).toEqual([
      { gpuIndex: 0, gpuInstanceId: 1, profileName: "1c.3g.20gb", profileId: 0 },
      { gpuIndex: 0, gpuInstanceId: 2, instanceId: 0, profileName: "4g.20gb", profileId: 3 },
    ]);
  });
  it("skips failure lines, keeping what was created before them", () => {
    const text = [
      "Successfully created GPU instance ID 13 on GPU  0 using profile MIG 1g.5gb (ID 19)",
      "Unable to create a GPU instance on GPU  0 using profile 9: Insufficient Resources",
      "Failed to create GPU instances: Insufficient Resources",
    ].join("\n");
    expect(parseCreateOutput(text)).toEqual({ gpuInstances: [{ gpuIndex: 0, instanceId: 13, profileName: "1g.5gb", profileId: 19 }], computeInstances: [] });
  });
  it("reads the destroy success lines", () => {
    const text = "Successfully destroyed compute instance ID  0 from GPU  0 GPU instance ID  1\nSuccessfully destroyed GPU instance ID  1 from GPU  0\n";
    expect(parseDestroyOutput(text)).toEqual({ computeInstances: [{ gpuIndex: 0, gpuInstanceId: 1, instanceId: 0 }], gpuInstances: [{ gpuIndex: 0, instanceId: 1 }] });
  });
});

describe("parseQueryCsv", () => {
  it("turns [N/A] into undefined, never 0", () => {
    expect(parseQueryCsv(fixture("query-gpu-mig-na.txt"), ["index", "name", "mig.mode.current", "mig.mode.pending"])).toEqual([
      { index: "0", name: "NVIDIA GeForce RTX 4070 Laptop GPU", "mig.mode.current": undefined, "mig.mode.pending": undefined },
    ]);
    expect(parseQueryCsv("[Not Supported], [Insufficient Permissions], N/A\n", ["a", "b", "c"])).toEqual([{ a: undefined, b: undefined, c: undefined }]);
  });
  it("finds columns by header name, whatever order the fields are asked in", () => {
    expect(parseQueryCsv(fixture("query-gpu-bus-mig.txt"), ["mig.mode.current", "pci.bus_id"])).toEqual([{ "mig.mode.current": "Enabled", "pci.bus_id": "00000000:4F:00.0" }]);
    expect(parseQueryCsv(fixture("query-gpu-mig-modes.txt"), ["mig.mode.pending", "mig.mode.current"])).toEqual([{ "mig.mode.pending": "Enabled", "mig.mode.current": "Enabled" }]);
  });
  it("strips units from values and reads the header's units", () => {
    const fields = ["timestamp", "utilization.gpu", "memory.used", "memory.total", "temperature.gpu", "power.draw"];
    expect(parseQueryCsv(fixture("query-gpu-telemetry.txt"), fields)).toEqual([
      { timestamp: "2026/08/17 10:00:00.000", "utilization.gpu": "95", "memory.used": "7650", "memory.total": "8188", "temperature.gpu": "73", "power.draw": "81.25" },
    ]);
  });
  it("maps aliases to the canonical names the header prints, and reads noheader output by position", () => {
    expect(parseQueryCsv("clocks.current.sm [MHz], name\n1410, NVIDIA A100-SXM4-40GB\n", ["gpu_name", "clocks.sm"])).toEqual([{ gpu_name: "NVIDIA A100-SXM4-40GB", "clocks.sm": "1410" }]);
    expect(parseQueryCsv("0, 95\n1, 3\n", ["index", "utilization.gpu"])).toEqual([
      { index: "0", "utilization.gpu": "95" },
      { index: "1", "utilization.gpu": "3" },
    ]);
  });
  it("rejects rows with too few values", () => {
    expect(() => parseQueryCsv("0\n", ["index", "name"])).toThrow(OutputFormatError);
  });
});

describe("parseQueryXml (-q -x)", () => {
  it("reads the reference capture, GPU-level elements apart from the MIG device's", () => {
    const xml = parseQueryXml(fixture("query-xml-h100.xml"));
    expect(xml.driverVersion).toBe("575.57.08");
    expect(xml.cudaVersion).toBe("12.9");
    expect(xml.attachedGpus).toBe(1);
    const [gpu] = xml.gpus;
    expect(gpu?.pciBusId).toBe("00000000:00:09.0");
    expect(gpu?.migMode).toEqual({ current: "Enabled", pending: "Enabled" });
    expect(gpu?.migDevices).toEqual([
      { index: 0, gpuInstanceId: 1, computeInstanceId: 0, multiprocessorCount: 60, memory: { totalMiB: 40448, reservedMiB: 0, usedMiB: 298, freeMiB: 40151 } },
    ]);
    expect(gpu?.temperatureC).toBe(38);
    expect(gpu?.memory).toEqual({ totalMiB: 81920, reservedMiB: 446, usedMiB: 3703, freeMiB: 77771 });
  });
  it("reads mig_devices None as no devices and N/A as undefined", () => {
    const text = `<?xml version="1.0" ?>
<nvidia_smi_log><driver_version>535.129.03</driver_version><attached_gpus>1</attached_gpus>
<gpu id="00000000:07:00.0"><product_name>Tesla T4</product_name><mig_mode><current_mig>N/A</current_mig><pending_mig>N/A</pending_mig></mig_mode>
<mig_devices>None</mig_devices><utilization><gpu_util>N/A</gpu_util></utilization><power_readings><power_draw>27.10 W</power_draw><power_limit>70.00 W</power_limit></power_readings></gpu>
</nvidia_smi_log>`;
    const [gpu] = parseQueryXml(text).gpus;
    expect(gpu?.migDevices).toEqual([]);
    expect(gpu?.migMode).toEqual({ current: undefined, pending: undefined });
    expect(gpu?.utilization.gpuPercent).toBeUndefined();
    expect(gpu?.power).toEqual({ drawW: 27.1, limitW: 70 });
  });
});

/** Outputs of a real NVIDIA H200, driver 580.159.04, MIG disabled (test/fixtures/nvidia-smi/README.md). */
describe("a real H200 on driver 580", () => {
  const uuid = "GPU-c194914b-b237-8be8-371f-56659c52c73f";
  /** The client over a tool that answers every call with this capture and exit code. */
  const answering = (stdout: string, exitCode = 0): NvidiaSmi => new NvidiaSmi({ exec: async (args, options) => ({ command: [options.bin, ...args], stdout, stderr: "", exitCode }) });

  it("-q -x: board, MIG mode, memory, power and clocks, with the power draw under its 580 name (average_power_draw)", () => {
    const xml = parseQueryXml(fixture("h200-580-q-x.xml"));
    expect(xml).toMatchObject({ driverVersion: "580.159.04", cudaVersion: "13.0", attachedGpus: 1 });
    expect(xml.gpus).toEqual([
      {
        pciBusId: "00000000:00:06.0",
        productName: "NVIDIA H200",
        uuid,
        serial: "0000000000000",
        vbiosVersion: "96.00.A5.00.1A",
        migMode: { current: "Disabled", pending: "Disabled" },
        migDevices: [],
        memory: { totalMiB: 143771, reservedMiB: 616, usedMiB: 0, freeMiB: 143156 },
        utilization: { gpuPercent: 0, memoryPercent: 0 },
        temperatureC: 39,
        power: { drawW: 80.47, limitW: 700 },
        clocks: { graphicsMHz: 345, smMHz: 345, memMHz: 3201 },
        processes: [],
      },
    ]);
  });
  it("-q -x: the board facts a result records (power limits, clocks, ECC, application clocks at their defaults)", () => {
    expect(factsFromXml(fixture("h200-580-q-x.xml"))).toEqual({
      driverVersion: "580.159.04",
      cudaVersion: "13.0",
      name: "NVIDIA H200",
      uuid,
      pciBusId: "00000000:00:06.0",
      vbiosVersion: "96.00.A5.00.1A",
      eccMode: "Enabled",
      persistenceMode: "Enabled",
      powerLimitW: 700,
      enforcedPowerLimitW: 700,
      defaultPowerLimitW: 700,
      clocks: {
        maxSmMHz: 1980,
        maxMemoryMHz: 3201,
        applicationsGraphicsMHz: 1980,
        applicationsMemoryMHz: 3201,
        defaultApplicationsGraphicsMHz: 1980,
        defaultApplicationsMemoryMHz: 3201,
        locked: false,
      },
    });
  });
  it("-L: one GPU, no MIG devices", () => {
    expect(parseListGpus(fixture("h200-580-L.txt"))).toEqual([{ index: 0, name: "NVIDIA H200", uuid, migDevices: [] }]);
  });
  it("--query-gpu with units: columns found by their headers ('memory.total [MiB]'), units stripped", () => {
    const fields = ["index", "name", "uuid", "pci.bus_id", "driver_version", "mig.mode.current", "mig.mode.pending", "memory.total", "memory.used", "utilization.gpu", "compute_mode"];
    expect(parseQueryCsv(fixture("h200-580-query-gpu.txt"), fields)).toEqual([
      {
        index: "0",
        name: "NVIDIA H200",
        uuid,
        "pci.bus_id": "00000000:00:06.0",
        driver_version: "580.159.04",
        "mig.mode.current": "Disabled",
        "mig.mode.pending": "Disabled",
        "memory.total": "143771",
        "memory.used": "0",
        "utilization.gpu": "0",
        compute_mode: "Default",
      },
    ]);
  });
  it("gpuStatus reads the client's own --query-gpu", async () => {
    expect(await answering(fixture("h200-580-query-gpu-status.txt")).gpuStatus()).toEqual([
      { index: 0, name: "NVIDIA H200", uuid, pciBusId: "00000000:00:06.0", migCurrent: "Disabled", migPending: "Disabled", driverVersion: "580.159.04" },
    ]);
  });
  it("--query-gpu without a header, by position", () => {
    expect(parseQueryCsv(fixture("h200-580-query-gpu-mig-mode.txt"), ["mig.mode.current", "mig.mode.pending"])).toEqual([{ "mig.mode.current": "Disabled", "mig.mode.pending": "Disabled" }]);
    expect(parseQueryCsv(fixture("h200-580-query-gpu-name.txt"), ["name"])).toEqual([{ name: "NVIDIA H200" }]);
    expect(parseQueryCsv(fixture("h200-580-query-gpu-uuid.txt"), ["uuid"])).toEqual([{ uuid }]);
    expect(parseQueryCsv(fixture("h200-580-query-gpu-compute-cap.txt"), ["compute_cap"])).toEqual([{ compute_cap: "9.0" }]);
  });
  it("--query-compute-apps with no processes: the header alone (used_gpu_memory for used_memory) is no rows", async () => {
    // A header not recognised as one would come back as a row (pid "pid").
    expect(parseQueryCsv(fixture("h200-580-compute-apps.txt"), ["pid", "process_name", "used_memory"])).toEqual([]);
    expect(await answering(fixture("h200-580-compute-apps-nounits.txt")).computeApps(0)).toEqual([]);
  });
  it("mig -lgip with MIG disabled: the profiles, both lines of each record", () => {
    const rows = [
      ["1g.18gb", 19, 7, 16.0, 16, 1, 0, 1, 1, 0],
      ["1g.18gb+me", 20, 1, 16.0, 16, 1, 0, 1, 1, 1],
      ["1g.35gb", 15, 4, 32.5, 26, 1, 0, 1, 1, 0],
      ["2g.35gb", 14, 3, 32.5, 32, 2, 0, 2, 2, 0],
      ["3g.71gb", 9, 2, 69.75, 60, 3, 0, 3, 3, 0],
      ["4g.71gb", 5, 1, 69.75, 64, 4, 0, 4, 4, 0],
      ["7g.141gb", 0, 1, 140.0, 132, 7, 0, 8, 7, 1],
    ] as const;
    expect(parseGiProfiles(fixture("h200-580-lgip.txt"))).toEqual(
      rows.map(([name, profileId, total, memoryGiB, sms, decoders, encoders, copyEngines, jpegDecoders, ofas]) => ({
        gpuIndex: 0,
        name,
        profileId,
        free: total,
        total,
        memoryGiB,
        p2p: false,
        sms,
        decoders,
        encoders,
        copyEngines,
        jpegDecoders,
        ofas,
      })),
    );
  });
  it("mig -lgipp with MIG disabled: the placements", () => {
    expect(parseGiPlacements(fixture("h200-580-lgipp.txt")).map((r) => [r.gpuIndex, r.profileId, r.starts, r.size])).toEqual([
      [0, 19, [0, 1, 2, 3, 4, 5, 6], 1],
      [0, 20, [0, 1, 2, 3, 4, 5, 6], 1],
      [0, 15, [0, 2, 4, 6], 2],
      [0, 14, [0, 2, 4], 2],
      [0, 9, [0, 4], 4],
      [0, 5, [0], 4],
      [0, 0, [0], 8],
    ]);
  });
  it("mig -lcip with MIG disabled says so and exits 0: no compute-instance profiles, not a failure", async () => {
    const text = fixture("h200-580-lcip.txt");
    expect(text).toBe("No MIG-enabled devices found.\n");
    expect(parseCiProfiles(text)).toEqual([]);
    expect(await answering(text, 0).ciProfiles(0)).toEqual([]);
  });
});
