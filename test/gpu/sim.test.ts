import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseCreateOutput, parseQueryXml } from "../../src/gpu/nvidia-smi/index.js";
import { initSimState, readSimState, runSim, updateSimState, type SimResult } from "../../src/gpu/sim/index.js";

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/nvidia-smi/${name}`, import.meta.url), "utf8");
const lines = (text: string): string[] => text.split("\n").filter((l) => l !== "");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "migbench-sim-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh simulated host and a function that runs `nvidia-smi ARGS` against it in-process. */
function host(model: string, options: { driverVersion?: string; gpus?: number; now?: number } = {}) {
  const file = path.join(dir, `${model}.json`);
  initSimState({ model, gpus: options.gpus ?? 1, file, seed: "test", ...(options.driverVersion ? { driverVersion: options.driverVersion } : {}) });
  const smi = (...argv: string[]): SimResult => runSim(argv, { MIGBENCH_SIM_STATE: file, MIGBENCH_SIM_NOW: String(options.now ?? Date.UTC(2026, 7, 17, 10)) });
  return { file, smi };
}

/** A host with MIG on. */
function migHost(model: string, options: { driverVersion?: string } = {}) {
  const h = host(model, options);
  expect(h.smi("-i", "0", "-mig", "1").exitCode).toBe(0);
  return h;
}

describe("profile listings match the reference byte for byte", () => {
  it("-lgip on an empty H100 (driver 580 lists profiles with MIG off)", () => {
    const { smi } = host("H100-SXM5-80GB", { driverVersion: "580.65.06" });
    expect(smi("mig", "-lgip")).toEqual({ stdout: fixture("lgip-h100-81col.txt"), stderr: "", exitCode: 0 });
  });
  it("-lgip on an empty H100 with MIG on (driver 535), also with -i before or after mig", () => {
    const { smi } = migHost("H100-SXM5-80GB");
    expect(smi("mig", "-i", "0", "-lgip").stdout).toBe(fixture("lgip-h100-81col.txt"));
    expect(smi("-i", "0", "mig", "-lgip").stdout).toBe(fixture("lgip-h100-81col.txt"));
  });
  it("-lgip before driver 580 with MIG off, and on a GPU without MIG", () => {
    expect(host("A100-SXM4-40GB").smi("mig", "-lgip")).toMatchObject({ stdout: "No MIG-enabled devices found.\n", exitCode: 6 });
    expect(host("T4").smi("mig", "-lgip")).toMatchObject({ stdout: "No MIG-supported devices found.\n", exitCode: 6 });
  });
  it("-lgipp on an H100", () => {
    expect(migHost("H100-SXM5-80GB").smi("mig", "-lgipp").stdout).toBe(fixture("lgipp.txt"));
  });
  it("-lgip Free follows the instances (A100: a 3g, then a 1g)", () => {
    const { smi } = migHost("A100-SXM4-40GB");
    smi("mig", "-cgi", "9,19");
    const free = lines(smi("mig", "-lgip").stdout)
      .filter((l) => l.startsWith("|   0  MIG"))
      .map((l) => [l.slice(7, 25).trim(), l.slice(33, 37).trim()]);
    expect(free).toEqual([
      ["MIG 1g.5gb", "3/7"],
      ["MIG 1g.5gb+me", "1/1"],
      ["MIG 1g.10gb", "1/4"],
      ["MIG 2g.10gb", "1/3"],
      ["MIG 3g.20gb", "0/2"],
      ["MIG 4g.20gb", "0/1"],
      ["MIG 7g.40gb", "0/1"],
    ]);
  });
  it("-lcip for an empty 4g.20gb equals the reference (GI id aside: the heap rule numbers a 4g at slot 0 as 1)", () => {
    const { smi } = migHost("A100-SXM4-40GB");
    smi("mig", "-cgi", "5");
    const expected = fixture("lcip-a100.txt").replace(/^\| {3}0 {6}2 /gm, "|   0      1 ");
    expect(smi("mig", "-lcip", "-gi", "1").stdout).toBe(expected);
  });
});

describe("creating GPU instances", () => {
  it("-cgi 9,3g.20gb -C on an A100 prints the reference lines", () => {
    const { smi } = migHost("A100-SXM4-40GB");
    expect(smi("mig", "-cgi", "9,3g.20gb", "-C")).toEqual({ stdout: fixture("cgi-C-a100.txt"), stderr: "", exitCode: 0 });
  });
  it("-cgi 19,14,5 prints the MIG User Guide's lines", () => {
    expect(migHost("A100-SXM4-40GB").smi("mig", "-cgi", "19,14,5").stdout).toBe(fixture("cgi-without-C.txt"));
  });
  it("7 x 1g with -C prints the capture's lines, with heap-rule GI ids (the capture's own ids are not derivable)", () => {
    const heapIds = [13, 11, 12, 7, 8, 9, 10];
    const captureIds = [9, 7, 8, 11, 12, 13, 14];
    const d2 = (n: number): string => String(n).padStart(2);
    let k = -1;
    const expected = lines(fixture("cgi-7x1g-h100-pcie.txt")).map((line) => {
      if (line.startsWith("Successfully created GPU instance")) k++;
      return line.replace(`GPU instance ID ${d2(captureIds[k] as number)}`, `GPU instance ID ${d2(heapIds[k] as number)}`);
    });
    expect(lines(migHost("H100-PCIE-80GB").smi("mig", "-cgi", "19,19,19,19,19,19,19", "-C").stdout)).toEqual(expected);
  });
  it("the MIG User Guide's orders: 19,19,14,9 fails and keeps the first three; 9,19,14,19 succeeds", () => {
    const failing = migHost("A100-SXM4-40GB");
    const result = failing.smi("mig", "-cgi", "19,19,14,9");
    expect(result.exitCode).not.toBe(0);
    expect(lines(result.stdout)).toEqual([
      "Successfully created GPU instance ID 13 on GPU  0 using profile MIG 1g.5gb (ID 19)",
      "Successfully created GPU instance ID 11 on GPU  0 using profile MIG 1g.5gb (ID 19)",
      "Successfully created GPU instance ID  3 on GPU  0 using profile MIG 2g.10gb (ID 14)",
      "Unable to create a GPU instance on GPU  0 using profile 9: Insufficient Resources",
      "Failed to create GPU instances: Insufficient Resources",
    ]);
    expect(readSimState(failing.file).gpus[0]?.gpuInstances.map((gi) => gi.id)).toEqual([13, 11, 3]);

    const working = migHost("A100-SXM4-40GB").smi("mig", "-cgi", "9,19,14,19");
    expect(working.exitCode).toBe(0);
    expect(parseCreateOutput(working.stdout).gpuInstances.map((g) => g.instanceId)).toEqual([2, 7, 4, 8]);
  });
  it("echoes the user's token in errors: an unknown profile is an Invalid Argument", () => {
    const { smi } = migHost("A100-SXM4-80GB");
    expect(smi("mig", "-cgi", "7g.40gb")).toMatchObject({
      stdout: "Unable to create a GPU instance on GPU  0 using profile 7g.40gb: Invalid Argument\nFailed to create GPU instances: Invalid Argument\n",
      exitCode: 2,
    });
    expect(smi("mig", "-cgi", "20,20").stdout).toContain("using profile 20: Insufficient Resources");
  });
  it("a process holding the whole GPU blocks creation (In use by another client)", () => {
    const { file, smi } = migHost("A100-SXM4-40GB");
    updateSimState(file, (s) => void s.gpus[0]?.processes.push({ pid: 4242, name: "nsys", usedMemoryMiB: 10 }));
    expect(smi("mig", "-cgi", "14").stdout).toBe(
      "Unable to create a GPU instance on GPU  0 using profile 14: In use by another client\nFailed to create GPU instances: In use by another client\n",
    );
  });
  it("uses the A30's four-slot heap for ids", () => {
    const out = migHost("A30").smi("mig", "-cgi", "14,14,14,14");
    expect(parseCreateOutput(out.stdout).gpuInstances.map((g) => g.instanceId)).toEqual([3, 4, 5, 6]);
  });
  it("needs MIG on", () => {
    expect(host("A100-SXM4-40GB").smi("mig", "-cgi", "19")).toMatchObject({ stdout: "No MIG-enabled devices found.\n", exitCode: 6 });
  });
});

describe("instance listings, -L and -q -x for the reference's mixed H100 layout", () => {
  /** GI 13 (1g at 6), GI 1 (3g at 0:4) with a 1c at slice 2, GI 11 (1g+me at 4), as in the captures. */
  function mixedH100() {
    const h = migHost("H100-SXM5-80GB", { driverVersion: "575.57.08" });
    expect(h.smi("mig", "-cgi", "19,20,9", "-C").exitCode).toBe(0);
    expect(h.smi("mig", "-dci", "-gi", "1").exitCode).toBe(0);
    expect(h.smi("mig", "-cci", "1c.3g.40gb", "-gi", "1").stdout).toBe(
      "Successfully created compute instance ID  0 on GPU  0 GPU instance ID  1 using profile MIG 1c.3g.40gb (ID  0)\n",
    );
    return h;
  }
  /** The table with its rows in another order: same frame, same rows. */
  const sameTable = (actual: string, expected: string): void => {
    expect(actual.length).toBe(expected.length);
    expect(lines(actual).sort()).toEqual(lines(expected).sort());
  };

  it("-lgi has the reference's rows (sorted by GI id)", () => {
    const { smi } = mixedH100();
    const out = smi("mig", "-lgi").stdout;
    sameTable(out, fixture("lgi-newer.txt"));
    expect(lines(out).filter((l) => l.startsWith("|   0")).map((l) => l.slice(36, 40).trim())).toEqual(["1", "11", "13"]);
  });
  it("-lci has the reference's rows, the 1c placed at slice 2 by default", () => {
    sameTable(mixedH100().smi("mig", "-lci").stdout, fixture("lci-newer.txt"));
  });
  it("-L lists MIG devices in placement order with the reference's padding", () => {
    const { smi } = mixedH100();
    const uuidless = (text: string): string[] => lines(text).map((l) => l.replace(/GPU-[0-9a-f-]+/, "GPU-*").replace(/MIG-[0-9a-f-]+/, "MIG-*"));
    expect(uuidless(smi("-L").stdout)).toEqual(uuidless(fixture("list-new-h100.txt")));
  });
  it("-q -x gives each MIG device's instance ids in the same device order", () => {
    const { smi } = mixedH100();
    const out = smi("-q", "-x").stdout;
    expect(out.startsWith('<?xml version="1.0" ?>\n<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">\n<nvidia_smi_log>\n')).toBe(true);
    // The reference's layout (`<mig_device>` at the indentation of `<mig_devices>`), in the real tool's tabs.
    expect(out).toContain("\t\t<mig_devices>\n\t\t<mig_device>\n\t\t\t<index>0</index>\n\t\t\t<gpu_instance_id>1</gpu_instance_id>\n");
    const [gpu] = parseQueryXml(out).gpus;
    expect(gpu?.migDevices.map((d) => [d.index, d.gpuInstanceId, d.computeInstanceId, d.multiprocessorCount, d.memory.totalMiB])).toEqual([
      [0, 1, 0, 20, 40448],
      [1, 11, 0, 16, 9984],
      [2, 13, 0, 16, 9984],
    ]);
    expect(parseQueryXml(out).driverVersion).toBe("575.57.08");
    expect(parseQueryXml(out).cudaVersion).toBe("12.9");
  });
  it("-q -x holds None without MIG devices, on a line of its own as the real tool prints it", () => {
    const out = host("A100-SXM4-40GB").smi("-q", "-x").stdout;
    expect(out).toContain("\t\t<mig_devices>\n\t\t\tNone\n\t\t</mig_devices>\n");
    expect(parseQueryXml(out).gpus[0]?.migMode).toEqual({ current: "Disabled", pending: "Disabled" });
  });
  it("old drivers print MIG-GPU-<uuid>/<gi>/<ci> in -L", () => {
    const { file, smi } = migHost("A100-SXM4-40GB", { driverVersion: "460.32.03" });
    smi("mig", "-cgi", "19,19,19,19,19,19,19", "-C");
    const uuid = readSimState(file).gpus[0]?.uuid ?? "";
    const reference = lines(fixture("list-old-a100.txt")).map((l) => l.replaceAll("5c89852c-d268-c3f3-1b07-005d5ae1dc3f", uuid.slice(4)));
    const listed = lines(smi("-L").stdout);
    expect(listed.slice(0, 3).map((l) => l.replace("NVIDIA A100", "A100"))).toEqual(reference.slice(0, 3));
    expect(listed).toHaveLength(8);
  });
  it("empty listings", () => {
    const { smi } = migHost("A100-SXM4-40GB");
    expect(smi("mig", "-lgi")).toMatchObject({ stdout: "No GPU instances found: Not Found\n", exitCode: 6 });
    smi("mig", "-cgi", "19");
    expect(smi("mig", "-lci")).toMatchObject({ stdout: "No compute instances found: Not Found\n", exitCode: 6 });
    expect(host("A100-SXM4-40GB").smi("mig", "-lgi")).toMatchObject({ stdout: "No MIG-enabled devices found.\n", exitCode: 6 });
  });
});

describe("destroying instances", () => {
  it("refuses to destroy a GPU instance that still has compute instances, then destroys in order", () => {
    const { file, smi } = migHost("A100-SXM4-40GB");
    smi("mig", "-cgi", "9", "-C");
    expect(smi("mig", "-dgi", "-gi", "2")).toMatchObject({
      stdout: "Unable to destroy GPU instance ID  2 from GPU  0: In use by another client\nFailed to destroy GPU instances: In use by another client\n",
    });
    expect(smi("mig", "-dci", "-gi", "2").stdout).toBe("Successfully destroyed compute instance ID  0 from GPU  0 GPU instance ID  2\n");
    expect(smi("mig", "-dgi", "-gi", "2").stdout).toBe("Successfully destroyed GPU instance ID  2 from GPU  0\n");
    expect(readSimState(file).gpus[0]?.gpuInstances).toEqual([]);
    expect(smi("mig", "-dgi")).toMatchObject({ stdout: "No GPU instances found: Not Found\n", exitCode: 6 });
    expect(smi("mig", "-dci")).toMatchObject({ stdout: "No compute instances found: Not Found\n", exitCode: 6 });
  });
  it("takes a list of GPU instances in one call, each in the list's order with the tool's own line", () => {
    const { file, smi } = migHost("A100-SXM4-40GB");
    smi("mig", "-cgi", "19,19,19", "-C");
    const ids = readSimState(file).gpus[0]?.gpuInstances.map((gi) => gi.id) ?? [];
    const listed = [...ids].sort((a, b) => b - a);
    const d2 = (n: number): string => String(n).padStart(2);
    expect(smi("mig", "-dci", "-gi", listed.join(","))).toMatchObject({
      stdout: listed.map((id) => `Successfully destroyed compute instance ID  0 from GPU  0 GPU instance ID ${d2(id)}\n`).join(""),
      exitCode: 0,
    });
    expect(smi("mig", "-dgi", "-gi", listed.join(","))).toMatchObject({ stdout: listed.map((id) => `Successfully destroyed GPU instance ID ${d2(id)} from GPU  0\n`).join(""), exitCode: 0 });
    expect(readSimState(file).gpus[0]?.gpuInstances).toEqual([]);
  });
  it("destroys the rest of a list when one GPU instance is in use, and fails naming that one", () => {
    const { file, smi } = migHost("A100-SXM4-40GB");
    smi("mig", "-cgi", "19,19,19", "-C");
    const [busy, ...free] = readSimState(file).gpus[0]?.gpuInstances.map((gi) => gi.id) ?? [];
    updateSimState(file, (s) => void s.gpus[0]?.processes.push({ pid: 7, name: "python", usedMemoryMiB: 900, gpuInstanceId: busy, computeInstanceId: 0 }));
    const all = [busy, ...free].join(",");
    const dci = smi("mig", "-dci", "-gi", all);
    expect(dci.exitCode).not.toBe(0);
    expect(lines(dci.stdout)).toEqual([
      `Unable to destroy compute instance ID  0 from GPU  0 GPU instance ID ${String(busy).padStart(2)}: In use by another client`,
      ...free.map((id) => `Successfully destroyed compute instance ID  0 from GPU  0 GPU instance ID ${String(id).padStart(2)}`),
      "Failed to destroy compute instances: In use by another client",
    ]);
    const dgi = smi("mig", "-dgi", "-gi", all);
    expect(dgi.exitCode).not.toBe(0);
    expect(lines(dgi.stdout)[0]).toBe(`Unable to destroy GPU instance ID ${String(busy).padStart(2)} from GPU  0: In use by another client`);
    expect(readSimState(file).gpus[0]?.gpuInstances.map((gi) => gi.id)).toEqual([busy]);
  });
  it("a process on a MIG device keeps its compute instance", () => {
    const { file, smi } = migHost("A100-SXM4-40GB");
    smi("mig", "-cgi", "19", "-C");
    updateSimState(file, (s) => void s.gpus[0]?.processes.push({ pid: 7, name: "python", usedMemoryMiB: 900, gpuInstanceId: 13, computeInstanceId: 0 }));
    const result = smi("mig", "-dci");
    expect(result.exitCode).not.toBe(0);
    expect(lines(result.stdout)).toEqual([
      "Unable to destroy compute instance ID  0 from GPU  0 GPU instance ID 13: In use by another client",
      "Failed to destroy compute instances: In use by another client",
    ]);
  });
});

describe("MIG mode", () => {
  it("enables and disables with the real messages; PCI bus ids like 00000000:07:00.0", () => {
    const { smi } = host("A100-SXM4-40GB");
    expect(smi("-i", "0", "-mig", "1")).toEqual({ stdout: "Enabled MIG Mode for GPU 00000000:07:00.0\nAll done.\n", stderr: "", exitCode: 0 });
    expect(smi("-i", "0", "-mig", "0").stdout).toBe("Disabled MIG Mode for GPU 00000000:07:00.0\nAll done.\n");
  });
  it("refuses to switch MIG off while instances exist", () => {
    const { smi } = migHost("A100-SXM4-40GB");
    smi("mig", "-cgi", "19");
    const result = smi("-i", "0", "-mig", "0");
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toBe("Unable to disable MIG Mode for GPU 00000000:07:00.0: In use by another client\nTerminating early due to previous errors.\n");
  });
  it("goes pending while processes hold the GPU; a reset applies it once they are gone", () => {
    const { file, smi } = host("A100-SXM4-40GB");
    updateSimState(file, (s) => void s.gpus[0]?.processes.push({ pid: 99, name: "/usr/bin/dcgm", usedMemoryMiB: 0 }));
    const result = smi("-i", "0", "-mig", "1");
    expect(result.exitCode).toBe(0);
    expect(lines(result.stdout)).toEqual([
      "Warning: MIG mode is in pending enable state for GPU 00000000:07:00.0:In use by another client",
      "00000000:07:00.0 is currently being used by one or more other processes (e.g. CUDA application or a monitoring application such as another instance of nvidia-smi). Please first kill all processes using the device and retry the command or reboot the system to make MIG mode effective.",
      "All done.",
    ]);
    expect(smi("--query-gpu=mig.mode.current,mig.mode.pending", "--format=csv,noheader").stdout).toBe("Disabled, Enabled\n");
    expect(smi("-i", "0", "-r").stdout).toContain("  GPU 00000000:07:00.0: In use by another client");
    updateSimState(file, (s) => void s.gpus[0]?.processes.splice(0));
    expect(smi("-i", "0", "-r").stdout).toBe("GPU 00000000:07:00.0 was successfully reset.\nAll done.\n");
    expect(smi("--query-gpu=mig.mode.current,mig.mode.pending", "--format=csv").stdout).toBe(fixture("query-gpu-mig-modes.txt"));
  });
  it("a GPU without MIG warns and moves on", () => {
    expect(host("T4").smi("-mig", "1").stdout).toBe(
      "Unable to enable MIG Mode for GPU 00000000:07:00.0: Not Supported\nTreating as warning and moving on.\nAll done.\n",
    );
  });
});

describe("--query-gpu and --query-compute-apps", () => {
  it("prints the header with units and values with units unless nounits", () => {
    const { smi } = host("A100-SXM4-40GB");
    const fields = "timestamp,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw";
    const [header, row] = lines(smi(`--query-gpu=${fields}`, "--format=csv").stdout);
    expect(header).toBe(lines(fixture("query-gpu-telemetry.txt"))[0]);
    expect(row).toMatch(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{3}, \d+ %, \d+ MiB, 40960 MiB, \d+, \d+\.\d\d W$/);
    const [, bare] = lines(smi(`--query-gpu=${fields}`, "--format=csv,nounits").stdout);
    expect(bare).toMatch(/^\S+ \S+, \d+, \d+, 40960, \d+, \d+\.\d\d$/);
    expect(lines(smi("--query-gpu=pci.bus_id,mig.mode.current", "--format=csv").stdout)).toEqual(["pci.bus_id, mig.mode.current", "00000000:07:00.0, Disabled"]);
  });
  it("reads [N/A] for utilization under MIG and for MIG mode on a GPU without MIG", () => {
    const { smi } = migHost("H100-SXM5-80GB");
    expect(smi("--query-gpu=utilization.gpu,mig.mode.current", "--format=csv,noheader").stdout).toBe("[N/A], Enabled\n");
    expect(host("T4").smi("--query-gpu=index,name,mig.mode.current,mig.mode.pending", "--format=csv").stdout).toBe(
      "index, name, mig.mode.current, mig.mode.pending\n0, Tesla T4, [N/A], [N/A]\n",
    );
  });
  it("selects GPUs with -i by index, UUID or PCI bus id", () => {
    const { file, smi } = host("A100-SXM4-40GB", { gpus: 3 });
    const second = readSimState(file).gpus[1];
    expect(smi("--query-gpu=index", "--format=csv,noheader").stdout).toBe("0\n1\n2\n");
    expect(smi("-i", "1,2", "--query-gpu=index,pci.bus_id", "--format=csv,noheader").stdout).toBe("1, 00000000:0F:00.0\n2, 00000000:47:00.0\n");
    expect(smi("-i", second?.uuid ?? "", "--query-gpu=index", "--format=csv,noheader").stdout).toBe("1\n");
    expect(smi("-i", "00000000:0F:00.0", "--query-gpu=index", "--format=csv,noheader").stdout).toBe("1\n");
    expect(smi("-i", "7", "-L")).toMatchObject({ stdout: "No devices were found\n", exitCode: 6 });
    expect(smi("--query-gpu=count,driver_version", "--format=csv,noheader").stdout).toBe("3, 535.129.03\n3, 535.129.03\n3, 535.129.03\n");
  });
  it("rejects an unknown field like the real tool", () => {
    expect(host("A100-SXM4-40GB").smi("--query-gpu=index,xyz", "--format=csv")).toEqual({ stdout: 'Field "xyz" is not a valid field to query.\n', stderr: "", exitCode: 2 });
  });
  it("answers the clock event reasons mask under the name its driver knows (renamed in 535)", () => {
    const { smi } = host("A100-SXM4-40GB");
    // Idle: the clocks are down at the idle clock, NVML's GpuIdle reason (bit 0).
    expect(smi("--query-gpu=clocks_event_reasons.active", "--format=csv").stdout).toBe("clocks_event_reasons.active\n0x0000000000000001\n");
    // The old name still answers, and the header prints the new one, as real 535 drivers do.
    expect(smi("--query-gpu=clocks_throttle_reasons.active", "--format=csv").stdout).toBe("clocks_event_reasons.active\n0x0000000000000001\n");
    // Partitioned, the simulated GPU is loaded and its clocks run with no reason active.
    const busy = migHost("H100-SXM5-80GB");
    busy.smi("mig", "-cgi", "19,19", "-C");
    expect(busy.smi("--query-gpu=clocks_event_reasons.active", "--format=csv,noheader,nounits").stdout).toBe("0x0000000000000000\n");
    // An older driver knows only the old name, and refuses the new one like the real tool.
    const old = host("A30", { driverVersion: "530.30.02" });
    expect(old.smi("--query-gpu=timestamp,clocks_event_reasons.active", "--format=csv")).toEqual({ stdout: 'Field "clocks_event_reasons.active" is not a valid field to query.\n', stderr: "", exitCode: 2 });
    expect(old.smi("--query-gpu=clocks_throttle_reasons.active", "--format=csv").stdout).toBe("clocks_throttle_reasons.active\n0x0000000000000001\n");
  });
  it("reports compute apps against the parent GPU", () => {
    const { file, smi } = migHost("H100-SXM5-80GB");
    smi("mig", "-cgi", "9", "-C");
    updateSimState(file, (s) => void s.gpus[0]?.processes.push({ pid: 23808, name: "/tmp/ghost", usedMemoryMiB: 4188, gpuInstanceId: 2, computeInstanceId: 0 }));
    const uuid = readSimState(file).gpus[0]?.uuid;
    expect(smi("--query-compute-apps=gpu_uuid,pid,process_name,used_memory", "--format=csv").stdout).toBe(
      `gpu_uuid, pid, process_name, used_gpu_memory [MiB]\n${uuid}, 23808, /tmp/ghost, 4188 MiB\n`,
    );
  });
});

describe("telemetry", () => {
  const reading = (now: number, busy: boolean): number[] => {
    const file = path.join(dir, `t-${now}-${busy}.json`);
    initSimState({ model: "A100-SXM4-40GB", gpus: 1, file, seed: "telemetry" });
    if (busy) updateSimState(file, (s) => void s.gpus[0]?.processes.push({ pid: 5, name: "train", usedMemoryMiB: 30000 }));
    const out = runSim(["--query-gpu=power.draw,temperature.gpu,memory.used,clocks.sm,utilization.gpu", "--format=csv,noheader,nounits"], {
      MIGBENCH_SIM_STATE: file,
      MIGBENCH_SIM_NOW: String(now),
    }).stdout;
    return out.trim().split(", ").map(Number);
  };
  const t0 = Date.UTC(2026, 7, 17, 10);

  it("varies smoothly with time and rises with load", () => {
    const [p0 = 0, temp0 = 0] = reading(t0, true);
    const [p1 = 0] = reading(t0 + 1000, true);
    const [p20 = 0] = reading(t0 + 20_000, true);
    expect(Math.abs(p1 - p0)).toBeLessThan(10);
    expect(p20).not.toBe(p0);
    const [idlePower = 0, idleTemp = 0, idleMem = 0, idleClock = 0, idleUtil = 0] = reading(t0, false);
    const [, , busyMem = 0, busyClock = 0, busyUtil = 0] = reading(t0, true);
    expect(p0).toBeGreaterThan(idlePower * 3);
    expect(temp0).toBeGreaterThan(idleTemp);
    expect(busyMem - idleMem).toBe(30000);
    expect(busyClock).toBeGreaterThan(idleClock);
    expect(busyUtil).toBeGreaterThan(70);
    expect(idleUtil).toBeLessThan(10);
  });
});

describe("arguments and state errors", () => {
  it("answers unknown options and bad combinations like the real tool, exit 2", () => {
    const { smi } = host("A100-SXM4-40GB");
    const invalid = { stdout: "Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.\n", stderr: "", exitCode: 2 };
    expect(smi("--bogus")).toEqual(invalid);
    expect(smi("-L", "-q")).toEqual(invalid);
    expect(smi("mig", "-lgi", "-C")).toEqual(invalid);
    expect(smi("-mig", "2")).toEqual(invalid);
    expect(smi("mig", "-cgi")).toEqual(invalid);
  });
  it("says clearly when the state is missing, unset or corrupt", () => {
    expect(runSim(["-L"], {})).toMatchObject({ stdout: "", exitCode: 9 });
    expect(runSim(["-L"], {}).stderr).toMatch(/MIGBENCH_SIM_STATE is not set/);
    const missing = runSim(["-L"], { MIGBENCH_SIM_STATE: path.join(dir, "nope.json") });
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toMatch(/nope\.json: does not exist/);
    const corrupt = path.join(dir, "corrupt.json");
    writeFileSync(corrupt, "{ not json");
    expect(runSim(["-L"], { MIGBENCH_SIM_STATE: corrupt }).stderr).toMatch(/corrupt\.json: not JSON/);
    writeFileSync(corrupt, JSON.stringify({ version: 1, driverVersion: "535.129.03", cudaVersion: "12.2", gpus: [{ index: 0, model: "Z9000" }] }));
    const invalid = runSim(["-L"], { MIGBENCH_SIM_STATE: corrupt });
    expect(invalid.exitCode).toBe(255);
    expect(invalid.stderr).toMatch(/corrupt\.json: invalid: gpus\.0\.model: unknown GPU model/);
  });
  it("lists every problem of an invalid state, with its path, and rejects unknown fault fields", () => {
    const bad = path.join(dir, "bad.json");
    const { file } = host("A100-SXM4-40GB");
    const state = readSimState(file);
    const gpu = { ...state.gpus[0], uuid: "GPU-nope", migMode: { current: "On", pending: "Disabled" } };
    writeFileSync(bad, JSON.stringify({ ...state, gpus: [gpu], faults: [{ command: "-cgi", error: "hang", extra: 1 }] }));
    const { stderr, exitCode } = runSim(["-L"], { MIGBENCH_SIM_STATE: bad });
    expect(exitCode).toBe(255);
    expect(stderr).toMatch(/bad\.json: invalid: gpus\.0\.uuid: .*; gpus\.0\.migMode\.current: expected one of "Enabled", "Disabled"; faults\.0\.extra: unknown field\n$/);
    const { telemetrySeed: _dropped, ...withoutSeed } = state.gpus[0] ?? {};
    writeFileSync(bad, JSON.stringify({ ...state, gpus: [withoutSeed] }));
    expect(runSim(["-L"], { MIGBENCH_SIM_STATE: bad }).stderr).toMatch(/invalid: gpus\.0\.telemetrySeed: required/);
  });
  it("imports no npm package other than zod/mini: each call starts a fresh process, which zod's full API would slow", () => {
    // The modules src/gpu/sim/main.ts reaches, followed through relative imports (static and dynamic).
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, spec] of readFileSync(file, "utf8").matchAll(/(?:\bfrom\s+|^import\s+|\bimport\(\s*)["']([^"']+)["']/gm)) {
        if (!spec) continue;
        if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, ".ts")));
        else if (!spec.startsWith("node:")) packages.add(spec);
      }
    };
    visit(path.resolve("src/gpu/sim/main.ts"));
    expect(seen.size).toBeGreaterThan(5);
    expect([...packages]).toEqual(["zod/mini"]);
  });
  it("takes over a lock left by a process that is gone", () => {
    const { file, smi } = host("A100-SXM4-40GB");
    writeFileSync(`${file}.lock`, "2147483646");
    expect(smi("-mig", "1").exitCode).toBe(0);
    expect(readSimState(file).gpus[0]?.migMode.current).toBe("Enabled");
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
  it("creates a state with seeded identities, MIG off and no instances", () => {
    const file = path.join(dir, "s.json");
    const a = initSimState({ model: "NVIDIA H100 80GB HBM3", gpus: 2, file, seed: "same" });
    const b = initSimState({ model: "H100-SXM5-80GB", gpus: 2, file, seed: "same" });
    expect(a).toEqual(b);
    expect(readSimState(file)).toEqual(a);
    expect(a).toMatchObject({ version: 1, driverVersion: "535.129.03", cudaVersion: "12.2" });
    expect(a.gpus.map((g) => [g.index, g.model, g.name, g.pciBusId, g.migMode.current, g.gpuInstances.length])).toEqual([
      [0, "H100-SXM5-80GB", "NVIDIA H100 80GB HBM3", "00000000:07:00.0", "Disabled", 0],
      [1, "H100-SXM5-80GB", "NVIDIA H100 80GB HBM3", "00000000:0F:00.0", "Disabled", 0],
    ]);
    expect(a.gpus[0]?.uuid).toMatch(/^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(a.gpus[0]?.uuid).not.toBe(a.gpus[1]?.uuid);
    expect(initSimState({ model: "A30", gpus: 1, file }).gpus[0]?.uuid).not.toBe(initSimState({ model: "A30", gpus: 1, file }).gpus[0]?.uuid);
  });
});
