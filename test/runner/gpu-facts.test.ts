/**
 * Board facts: from one `--query-gpu` and `nvidia-smi --version` (the real H200's answers), and from a
 * `-q -x` report in both the newer and the older element names, for drivers whose `--version` has no CUDA line.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ExecOptions, ExecResult } from "../../src/gpu/nvidia-smi/exec.js";
import { clocksLocked, factsFromQuery, factsFromXml, readGpuFacts } from "../../src/runner/gpu-facts.js";
import { root } from "../cli/helpers.js";

const fixture = (name: string): string => readFileSync(path.join(root, "test", "fixtures", "nvidia-smi", name), "utf8");

/** A query's CSV with its header as a record keyed by field name (units dropped), as `queryGpuTolerant` keys it. */
function csvRecord(csv: string): Record<string, string> {
  const [header = "", row = ""] = csv.trim().split("\n");
  const values = row.split(", ");
  return Object.fromEntries(header.split(", ").map((name, k) => [name.replace(/ \[.*\]$/, ""), values[k] ?? ""]));
}

const REAL_VERSION = "NVIDIA-SMI version  : 580.159.04\nNVML version        : 580.159\nDRIVER version      : 580.159.04\nCUDA Version        : 13.0\n";

/** A fake nvidia-smi: answers by the first argument (the query by its prefix), and records the calls. */
function fakeTool(answers: Record<string, Partial<ExecResult> | ((args: readonly string[]) => Partial<ExecResult>)>): {
  exec: (args: readonly string[], options: ExecOptions) => Promise<ExecResult>;
  calls: string[];
} {
  const calls: string[] = [];
  const exec = (args: readonly string[]): Promise<ExecResult> => {
    const key = args[0]?.startsWith("--query-gpu=") ? "--query-gpu" : (args[0] ?? "");
    calls.push(key);
    const answer = answers[key];
    return Promise.resolve({ command: ["nvidia-smi", ...args], stdout: "", stderr: "", exitCode: 0, ...(typeof answer === "function" ? answer(args) : answer) });
  };
  return { exec, calls };
}

/** The real H200's values for the fields asked, in the order asked (`change` edits them first). */
const realQueryAnswer =
  (change: (record: Record<string, string>) => Record<string, string> = (record) => record) =>
  (args: readonly string[]): Partial<ExecResult> => {
    const record = change(csvRecord(fixture("h200-580-query-facts.txt")));
    const fields = (args[0] ?? "").slice("--query-gpu=".length).split(",");
    return { stdout: `${fields.map((f) => record[f] ?? "[N/A]").join(", ")}\n` };
  };

const options: ExecOptions = { bin: "nvidia-smi", timeoutMs: 5_000 };

describe("GPU facts from one query and --version", () => {
  it("reads from the real H200's facts query what its -q -x report gives", () => {
    const { name: _name, uuid: _uuid, cudaVersion: _cuda, ...reported } = factsFromXml(fixture("h200-580-q-x.xml"));
    expect(factsFromQuery(csvRecord(fixture("h200-580-query-facts.txt")))).toEqual({ ...reported, computeCap: "9.0" });
  });

  it("asks the query and --version at once, and nothing else, when --version names the CUDA version", async () => {
    const tool = fakeTool({ "--query-gpu": realQueryAnswer(), "--version": { stdout: REAL_VERSION } });
    const facts = await readGpuFacts(0, options, tool.exec);
    expect(tool.calls.sort()).toEqual(["--query-gpu", "--version"]);
    expect(facts).toMatchObject({ cudaVersion: "13.0", driverVersion: "580.159.04", computeCap: "9.0", vbiosVersion: "96.00.A5.00.1A", powerLimitW: 700, clocks: { locked: false, maxSmMHz: 1980 } });
    expect(facts.unsupportedFields).toBeUndefined();
  });

  it("reads the -q -x report afterwards when --version has no CUDA line, and fills what the query lacked", async () => {
    const older = REAL_VERSION.replace(/CUDA Version.*\n/, "");
    const noEcc = realQueryAnswer((record) => ({ ...record, "ecc.mode.current": "[N/A]" }));
    const tool = fakeTool({ "--query-gpu": noEcc, "--version": { stdout: older }, "-q": { stdout: fixture("h200-580-q-x.xml") } });
    const facts = await readGpuFacts(0, options, tool.exec);
    expect(tool.calls.sort()).toEqual(["--query-gpu", "--version", "-q"]);
    expect(facts).toMatchObject({ cudaVersion: "13.0", eccMode: "Enabled", vbiosVersion: "96.00.A5.00.1A", clocks: { locked: false, maxSmMHz: 1980 } });
    expect(facts).not.toHaveProperty("name");
  });

  it("takes every fact from the report when the query fails, and fails only when the report does too", async () => {
    const failing = { exitCode: 9, stdout: "Unable to determine the device handle for GPU 0: Unknown Error" };
    const tool = fakeTool({ "--query-gpu": failing, "--version": failing, "-q": { stdout: fixture("h200-580-q-x.xml") } });
    expect(await readGpuFacts(0, options, tool.exec)).toMatchObject({ cudaVersion: "13.0", driverVersion: "580.159.04", powerLimitW: 700, clocks: { maxSmMHz: 1980 } });
    const broken = fakeTool({ "--query-gpu": failing, "--version": failing, "-q": failing });
    await expect(readGpuFacts(0, options, broken.exec)).rejects.toThrow(/Unknown Error/);
  });
});

const report = (gpu: string): string => `<?xml version="1.0" ?>
<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">
<nvidia_smi_log>
    <driver_version>550.54.15</driver_version>
    <cuda_version>12.4</cuda_version>
    <attached_gpus>1</attached_gpus>
    <gpu id="00000000:07:00.0">
${gpu}
    </gpu>
</nvidia_smi_log>
`;

describe("GPU facts from nvidia-smi -q -x", () => {
  it("reads a newer report: gpu_power_readings, ECC, application clocks pinned off their defaults", () => {
    const facts = factsFromXml(
      report(`        <product_name>NVIDIA A100-SXM4-40GB</product_name>
        <persistence_mode>Enabled</persistence_mode>
        <uuid>GPU-5c89852c-d268-c3f3-1b07-005d5ae1dc3f</uuid>
        <vbios_version>92.00.45.00.03</vbios_version>
        <pci><pci_bus_id>00000000:07:00.0</pci_bus_id></pci>
        <ecc_mode><current_ecc>Enabled</current_ecc><pending_ecc>Enabled</pending_ecc></ecc_mode>
        <gpu_power_readings>
            <power_state>P0</power_state>
            <power_draw>61.52 W</power_draw>
            <current_power_limit>400.00 W</current_power_limit>
            <default_power_limit>400.00 W</default_power_limit>
        </gpu_power_readings>
        <applications_clocks><graphics_clock>1095 MHz</graphics_clock><mem_clock>1215 MHz</mem_clock></applications_clocks>
        <default_applications_clocks><graphics_clock>1410 MHz</graphics_clock><mem_clock>1215 MHz</mem_clock></default_applications_clocks>
        <max_clocks><graphics_clock>1410 MHz</graphics_clock><sm_clock>1410 MHz</sm_clock><mem_clock>1215 MHz</mem_clock></max_clocks>`),
    );
    expect(facts).toEqual({
      driverVersion: "550.54.15",
      cudaVersion: "12.4",
      name: "NVIDIA A100-SXM4-40GB",
      uuid: "GPU-5c89852c-d268-c3f3-1b07-005d5ae1dc3f",
      pciBusId: "00000000:07:00.0",
      vbiosVersion: "92.00.45.00.03",
      eccMode: "Enabled",
      persistenceMode: "Enabled",
      powerLimitW: 400,
      enforcedPowerLimitW: 400,
      defaultPowerLimitW: 400,
      clocks: {
        maxSmMHz: 1410,
        maxMemoryMHz: 1215,
        applicationsGraphicsMHz: 1095,
        applicationsMemoryMHz: 1215,
        defaultApplicationsGraphicsMHz: 1410,
        defaultApplicationsMemoryMHz: 1215,
        locked: true,
        lockedReason: "application clocks 1095 MHz, default 1410 MHz",
      },
    });
  });

  it("reads an older report: power_readings, throttle reasons, N/A as absent", () => {
    const facts = factsFromXml(
      report(`        <product_name>Tesla T4</product_name>
        <persistence_mode>Disabled</persistence_mode>
        <ecc_mode><current_ecc>N/A</current_ecc></ecc_mode>
        <power_readings>
            <power_limit>70.00 W</power_limit>
            <default_power_limit>70.00 W</default_power_limit>
            <enforced_power_limit>65.00 W</enforced_power_limit>
        </power_readings>
        <clocks_throttle_reasons>
            <clocks_throttle_reason_gpu_idle>Not Active</clocks_throttle_reason_gpu_idle>
            <clocks_throttle_reason_applications_clocks_setting>Active</clocks_throttle_reason_applications_clocks_setting>
        </clocks_throttle_reasons>
        <applications_clocks><graphics_clock>N/A</graphics_clock></applications_clocks>`),
    );
    expect(facts.eccMode).toBeUndefined();
    expect(facts.persistenceMode).toBe("Disabled");
    expect([facts.powerLimitW, facts.enforcedPowerLimitW, facts.defaultPowerLimitW]).toEqual([70, 65, 70]);
    expect(facts.clocks).toEqual({ locked: true, lockedReason: 'clock event reason "applications clocks setting" is active' });
  });

  it("says unknown rather than unlocked when the driver gives no clock evidence", () => {
    expect(clocksLocked({ locked: null }, undefined)).toEqual({ locked: null });
    expect(clocksLocked({ locked: null, applicationsGraphicsMHz: 1410, defaultApplicationsGraphicsMHz: 1410 }, "Not Active")).toEqual({ locked: false });
  });
});
