/**
 * `nvidia-smi -q -x`: the elements migbench and the reference show (driver and CUDA versions, per GPU
 * identity, MIG mode, MIG devices, clock event reasons, memory, utilization, ECC mode, temperature, power,
 * clocks and application clocks, processes), named, nested and ordered as in the real tool's report (test/fixtures/nvidia-smi/
 * h200-580-q-x.xml), which has many more. As in real output, lines are indented with tabs, `<mig_device>`
 * sits at the indentation of `<mig_devices>`, and a GPU without MIG devices holds the text `None` on a
 * line of its own.
 */
import { boardOf, DRIVER_BEHAVIOUR, driverMajor, enginesOf } from "./hardware.js";
import { migDevicesOf, modelOf, type MigDeviceView } from "./gpus.js";
import { migDeviceOverheadMiB, telemetryOf } from "./telemetry.js";
import type { SimGpu, SimState } from "./state.js";

interface XmlElement {
  readonly tag: string;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly text?: string;
  readonly children?: readonly XmlElement[];
  /** Children printed at this element's own indentation (the tool's quirk for mig_devices). */
  readonly flatChildren?: boolean;
  /** Text printed on a line of its own, one level in (the tool's `<mig_devices>` without devices). */
  readonly textOnOwnLine?: boolean;
}

const el = (tag: string, content: string | number | readonly XmlElement[], attrs?: Record<string, string>): XmlElement =>
  typeof content === "string" || typeof content === "number" ? { tag, text: String(content), ...(attrs ? { attrs } : {}) } : { tag, children: content, ...(attrs ? { attrs } : {}) };

const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const INDENT = "\t";

function render(node: XmlElement, depth: number, out: string[]): void {
  const pad = INDENT.repeat(depth);
  const attrs = Object.entries(node.attrs ?? {})
    .map(([k, v]) => ` ${k}="${escape(v)}"`)
    .join("");
  if (node.textOnOwnLine) {
    out.push(`${pad}<${node.tag}${attrs}>`, `${pad}${INDENT}${escape(node.text ?? "")}`, `${pad}</${node.tag}>`);
    return;
  }
  if (node.children === undefined) {
    out.push(`${pad}<${node.tag}${attrs}>${escape(node.text ?? "")}</${node.tag}>`);
    return;
  }
  out.push(`${pad}<${node.tag}${attrs}>`);
  for (const child of node.children) render(child, node.flatChildren ? depth : depth + 1, out);
  out.push(`${pad}</${node.tag}>`);
}

const mib = (n: number): string => `${n} MiB`;
const na = (n: number | undefined, unit: string): string => (n === undefined ? "N/A" : `${n} ${unit}`);

const ARCHITECTURE_NAMES: Readonly<Record<string, string>> = { turing: "Turing", ampere: "Ampere", hopper: "Hopper", blackwell: "Blackwell" };

/** `Mon Aug 17 10:00:00 2026`, the -q timestamp. */
const ctime = (nowMs: number): string => {
  const [weekday, month, day, year, time] = new Date(nowMs).toString().split(" ");
  return `${weekday} ${month} ${day} ${time} ${year}`;
};

function migDeviceElement(gpu: SimGpu, d: MigDeviceView): XmlElement {
  const model = modelOf(gpu);
  const engines = enginesOf(model, d.gi.profileId);
  const total = Math.round(d.giProfile.memoryGiB * 1024);
  const processMiB = gpu.processes
    .filter((p) => p.gpuInstanceId === d.gi.id && (p.computeInstanceId === undefined || p.computeInstanceId === d.ci.id))
    .reduce((sum, p) => sum + p.usedMemoryMiB, 0);
  const used = Math.min(total, migDeviceOverheadMiB(total) + processMiB);
  return el("mig_device", [
    el("index", d.deviceIndex),
    el("gpu_instance_id", d.gi.id),
    el("compute_instance_id", d.ci.id),
    el("device_attributes", [
      el("shared", [
        el("multiprocessor_count", d.ciProfile.sms),
        el("copy_engine_count", engines.ce),
        el("encoder_count", engines.enc),
        el("decoder_count", engines.dec),
        el("ofa_count", engines.ofa),
        el("jpg_count", engines.jpeg),
      ]),
    ]),
    el("fb_memory_usage", [el("total", mib(total)), el("reserved", mib(0)), el("used", mib(used)), el("free", mib(total - used))]),
  ]);
}

/** NVML's clock event reasons in the report's order; the simulated GPU only ever idles. */
const CLOCK_EVENT_REASONS = [
  "gpu_idle",
  "applications_clocks_setting",
  "sw_power_cap",
  "hw_slowdown",
  "hw_thermal_slowdown",
  "hw_power_brake_slowdown",
  "sync_boost",
  "sw_thermal_slowdown",
  "display_clocks_setting",
] as const;

/** `<clocks_event_reasons>`, `<clocks_throttle_reasons>` before the 535 drivers renamed them. */
function clockEventReasons(major: number, idle: boolean): XmlElement {
  const renamed = major >= DRIVER_BEHAVIOUR.clockEventReasonsFrom;
  const reason = renamed ? "clocks_event_reason" : "clocks_throttle_reason";
  return el(
    `${reason}s`,
    CLOCK_EVENT_REASONS.map((r) => el(`${reason}_${r}`, r === "gpu_idle" && idle ? "Active" : "Not Active")),
  );
}

/** Power readings: one `power_draw` on older drivers, `average_power_draw` and `instant_power_draw` on v13 reports. */
const powerDraw = (v13: boolean, watts: string): XmlElement[] =>
  v13 ? [el("average_power_draw", watts), el("instant_power_draw", watts)] : [el("power_draw", watts)];

function gpuElement(gpu: SimGpu, major: number, nowMs: number): XmlElement {
  const model = modelOf(gpu);
  const board = boardOf(model);
  const t = telemetryOf(gpu, nowMs);
  const devices = migDevicesOf(gpu);
  const migSupported = model.mig !== null;
  const watts = (w: number): string => `${w.toFixed(2)} W`;
  const migDevices: XmlElement =
    devices.length === 0
      ? { tag: "mig_devices", text: "None", textOnOwnLine: true }
      : { tag: "mig_devices", children: devices.map((d) => migDeviceElement(gpu, d)), flatChildren: true };
  return el(
    "gpu",
    [
      el("product_name", gpu.name),
      el("product_brand", "NVIDIA"),
      el("product_architecture", ARCHITECTURE_NAMES[model.architecture] ?? model.architecture),
      el("persistence_mode", "Enabled"),
      el("mig_mode", [el("current_mig", migSupported ? gpu.migMode.current : "N/A"), el("pending_mig", migSupported ? gpu.migMode.pending : "N/A")]),
      migDevices,
      el("serial", gpu.serial),
      el("uuid", gpu.uuid),
      el("minor_number", gpu.index),
      el("vbios_version", gpu.vbios),
      // `00000000:BB:DD.F`: the report's domain has four digits.
      el("pci", [el("pci_bus", gpu.pciBusId.slice(9, 11)), el("pci_device", gpu.pciBusId.slice(12, 14)), el("pci_domain", gpu.pciBusId.slice(4, 8)), el("pci_bus_id", gpu.pciBusId)]),
      clockEventReasons(major, t.idleClocks),
      el("fb_memory_usage", [el("total", mib(t.memoryTotalMiB)), el("reserved", mib(t.memoryReservedMiB)), el("used", mib(t.memoryUsedMiB)), el("free", mib(t.memoryFreeMiB))]),
      el("utilization", [el("gpu_util", na(t.utilizationGpu, "%")), el("memory_util", na(t.utilizationMemory, "%"))]),
      el("ecc_mode", [el("current_ecc", "Enabled"), el("pending_ecc", "Enabled")]),
      el("temperature", [el("gpu_temp", `${t.temperatureC} C`), el("gpu_temp_tlimit", `${t.temperatureLimitC} C`)]),
      el("gpu_power_readings", [
        el("power_state", "P0"),
        ...powerDraw(major >= DRIVER_BEHAVIOUR.xmlV13From, watts(t.powerDrawW)),
        el("current_power_limit", watts(t.powerLimitW)),
        el("default_power_limit", watts(board.powerLimitW)),
        el("max_power_limit", watts(board.powerLimitW)),
      ]),
      el("clocks", [el("graphics_clock", `${t.smClockMHz} MHz`), el("sm_clock", `${t.smClockMHz} MHz`), el("mem_clock", `${t.memClockMHz} MHz`)]),
      // Application clocks at their defaults, the maxima (as on the H200): never pinned here, as in `--query-gpu`.
      el("applications_clocks", [el("graphics_clock", `${t.maxSmClockMHz} MHz`), el("mem_clock", `${t.memClockMHz} MHz`)]),
      el("default_applications_clocks", [el("graphics_clock", `${t.maxSmClockMHz} MHz`), el("mem_clock", `${t.memClockMHz} MHz`)]),
      el("max_clocks", [el("graphics_clock", `${t.maxSmClockMHz} MHz`), el("sm_clock", `${t.maxSmClockMHz} MHz`), el("mem_clock", `${t.memClockMHz} MHz`)]),
      el(
        "processes",
        gpu.processes.map((p) =>
          el("process_info", [
            el("gpu_instance_id", p.gpuInstanceId ?? "N/A"),
            el("compute_instance_id", p.computeInstanceId ?? "N/A"),
            el("pid", p.pid),
            el("type", "C"),
            el("process_name", p.name),
            el("used_memory", mib(p.usedMemoryMiB)),
          ]),
        ),
      ),
    ],
    { id: gpu.pciBusId },
  );
}

export function formatQueryXml(state: SimState, gpus: readonly SimGpu[], nowMs: number): string[] {
  const major = driverMajor(state.driverVersion);
  const root = el("nvidia_smi_log", [
    el("timestamp", ctime(nowMs)),
    el("driver_version", state.driverVersion),
    el("cuda_version", state.cudaVersion),
    el("attached_gpus", state.gpus.length),
    ...gpus.map((gpu) => gpuElement(gpu, major, nowMs)),
  ]);
  const dtd = major >= DRIVER_BEHAVIOUR.xmlV13From ? "nvsmi_device_v13.dtd" : "nvsmi_device_v12.dtd";
  const out = ['<?xml version="1.0" ?>', `<!DOCTYPE nvidia_smi_log SYSTEM "${dtd}">`];
  render(root, 0, out);
  return out;
}
