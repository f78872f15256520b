/** Board facts from a `-q -x` report, in both the newer and the older element names. */
import { describe, expect, it } from "vitest";
import { clocksLocked, factsFromXml } from "../../src/runner/gpu-facts.js";

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
