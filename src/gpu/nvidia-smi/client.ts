/**
 * The nvidia-smi driver migbench uses: one method per question or change, each running the tool once
 * (twice for migDevices) and returning validated, typed data. The same code drives the real tool and
 * the simulator, whichever `nvidia-smi` comes first on PATH.
 */
import { SMI_ARGS } from "./commands.js";
import { NvidiaSmiError, OutputFormatError } from "./errors.js";
import { execNvidiaSmi, toolMessage, type ExecOptions, type ExecResult } from "./exec.js";
import { parseDestroyOutput, parseCreateOutput } from "./parse-create.js";
import { parseQueryCsv } from "./parse-csv.js";
import { parseComputeInstances, parseGpuInstances } from "./parse-instances.js";
import { parseListGpus } from "./parse-list.js";
import { parseCiProfiles, parseGiPlacements, parseGiProfiles } from "./parse-profiles.js";
import { parseQueryXml } from "./parse-xml.js";
import type {
  CiProfileRow,
  ComputeApp,
  ComputeInstanceRow,
  CreatedComputeInstance,
  CreateOutput,
  DestroyOutput,
  GiPlacements,
  GiProfileRow,
  GpuInstanceRow,
  ListedGpu,
  MigDevice,
  MigModeState,
  Placement,
  QueryRecord,
  QueryXml,
} from "./schemas.js";
import { toInt, toNumber } from "./values.js";

export interface NvidiaSmiOptions {
  /** The executable; `nvidia-smi` (found on PATH) by default. */
  readonly bin?: string;
  /** Per invocation; MIG mode changes can take several seconds on real GPUs. */
  readonly timeoutMs?: number;
  /** Extra environment for the tool (e.g. PATH and MIGBENCH_SIM_STATE for the simulator). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How the tool is run; a real process by default (tests may run the simulator in-process). */
  readonly exec?: NvidiaSmiExec;
}

/** Runs the tool once: a real process (`execNvidiaSmi`), or anything that answers the same way. */
export type NvidiaSmiExec = (args: readonly string[], options: ExecOptions) => Promise<ExecResult>;

/** A GPU instance with its placement (every driver migbench supports prints one). */
export type GpuInstance = Omit<GpuInstanceRow, "placement"> & { readonly placement: Placement };

/** One `--query-gpu` row with the fields the partition lifecycle reads; `[N/A]` fields are undefined. */
export interface GpuStatus {
  readonly index: number;
  readonly name: string;
  readonly uuid: string;
  readonly pciBusId?: string;
  readonly migCurrent?: "Enabled" | "Disabled";
  readonly migPending?: "Enabled" | "Disabled";
  readonly driverVersion?: string;
}

export interface MigModeChange {
  /** The change waits for a GPU reset or a reboot (clients hold the GPU, or reset is not allowed). */
  readonly pending: boolean;
  readonly message: string;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

/** Outputs that mean "none" rather than failure, whatever the exit code. */
const NONE = {
  gpuInstances: /No GPU instances found/,
  computeInstances: /No (compute|GPU) instances found/,
  processes: /No running (compute )?processes found/,
} as const;

const MIG_MODE_FAILED = /Unable to (enable|disable) MIG Mode/;
const RESET_FAILED = /could not be reset|is not supported|Unable to reset/i;
const MIG_MODE_PENDING = /pending (enable|disable) state|Reboot the system|make MIG mode effective/i;

const migMode = (value: string | undefined): "Enabled" | "Disabled" | undefined => (value === "Enabled" || value === "Disabled" ? value : undefined);

export class NvidiaSmi {
  readonly bin: string;
  readonly timeoutMs: number;
  readonly env: Readonly<Record<string, string | undefined>> | undefined;
  /** How each call runs; code that reads the tool's own formats (board facts) runs it the same way. */
  readonly exec: NvidiaSmiExec;

  constructor(options: NvidiaSmiOptions = {}) {
    this.bin = options.bin ?? "nvidia-smi";
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.env = options.env;
    this.exec = options.exec ?? execNvidiaSmi;
  }

  /** Runs the tool; a non-zero exit is an NvidiaSmiError unless the output matches `none`. */
  private async run(args: readonly string[], none?: RegExp): Promise<ExecResult & { none: boolean }> {
    const result = await this.exec(args, { bin: this.bin, timeoutMs: this.timeoutMs, ...(this.env ? { env: this.env } : {}) });
    const isNone = none !== undefined && none.test(result.stdout + result.stderr);
    if (result.exitCode !== 0 && !isNone) {
      throw new NvidiaSmiError({ reason: "failed", command: result.command, exitCode: result.exitCode, toolMessage: toolMessage(result.stdout, result.stderr), stdout: result.stdout });
    }
    return { ...result, none: isNone };
  }

  /** Applies a parser, turning its complaint into an NvidiaSmiError that names the command. */
  private parse<T>(result: ExecResult, parser: (text: string) => T): T {
    try {
      return parser(result.stdout);
    } catch (error) {
      if (!(error instanceof OutputFormatError)) throw error;
      throw new NvidiaSmiError({ reason: "unparseable", command: result.command, exitCode: result.exitCode, toolMessage: error.message, stdout: result.stdout });
    }
  }

  async listGpus(): Promise<ListedGpu[]> {
    return this.parse(await this.run(SMI_ARGS.listGpus()), parseListGpus);
  }

  /** `--query-gpu` with the fields as keys (values without units; undefined for `[N/A]`). */
  async queryGpus(fields: readonly string[], index?: number): Promise<QueryRecord[]> {
    return this.parse(await this.run(SMI_ARGS.queryGpus(fields, index)), (text) => parseQueryCsv(text, fields));
  }

  /** Identity, MIG mode and driver of every GPU, in one call. */
  async gpuStatus(): Promise<GpuStatus[]> {
    const fields = ["index", "name", "uuid", "pci.bus_id", "mig.mode.current", "mig.mode.pending", "driver_version"];
    const rows = await this.queryGpus(fields);
    return rows.flatMap((row) => {
      const index = toInt(row.index);
      const { name, uuid } = row;
      if (index === undefined || !name || !uuid) return [];
      const current = migMode(row["mig.mode.current"]);
      const pending = migMode(row["mig.mode.pending"]);
      const bus = row["pci.bus_id"];
      const driver = row.driver_version;
      return [
        {
          index,
          name,
          uuid,
          ...(bus ? { pciBusId: bus } : {}),
          ...(current ? { migCurrent: current } : {}),
          ...(pending ? { migPending: pending } : {}),
          ...(driver ? { driverVersion: driver } : {}),
        },
      ];
    });
  }

  async migMode(index: number): Promise<MigModeState> {
    const [row] = await this.queryGpus(["mig.mode.current", "mig.mode.pending"], index);
    return { current: migMode(row?.["mig.mode.current"]), pending: migMode(row?.["mig.mode.pending"]) };
  }

  /** `-mig 1|0`. "Unable to …" is a failure even when the tool moves on and exits 0. */
  async setMigMode(index: number, enabled: boolean): Promise<MigModeChange> {
    const result = await this.run(SMI_ARGS.setMigMode(index, enabled));
    const message = toolMessage(result.stdout, result.stderr);
    if (MIG_MODE_FAILED.test(message)) throw new NvidiaSmiError({ reason: "failed", command: result.command, exitCode: result.exitCode, toolMessage: message, stdout: result.stdout });
    return { pending: MIG_MODE_PENDING.test(message), message };
  }

  /** `--gpu-reset`; a refusal ("could not be reset", "is not supported") is a failure whatever the exit code. */
  async resetGpu(index: number): Promise<string> {
    const result = await this.run(SMI_ARGS.resetGpu(index));
    const message = toolMessage(result.stdout, result.stderr);
    if (RESET_FAILED.test(message)) throw new NvidiaSmiError({ reason: "failed", command: result.command, exitCode: result.exitCode, toolMessage: message, stdout: result.stdout });
    return message;
  }

  async giProfiles(index: number): Promise<GiProfileRow[]> {
    return this.parse(await this.run(SMI_ARGS.giProfiles(index)), parseGiProfiles);
  }

  async giPlacements(index: number): Promise<GiPlacements[]> {
    return this.parse(await this.run(SMI_ARGS.giPlacements(index)), parseGiPlacements);
  }

  async ciProfiles(index: number, giId?: number): Promise<CiProfileRow[]> {
    const result = await this.run(SMI_ARGS.ciProfiles(index, giId), NONE.gpuInstances);
    return result.none ? [] : this.parse(result, parseCiProfiles);
  }

  /** The GPU instances; none when the tool says `No GPU instances found`. */
  async gpuInstances(index: number): Promise<GpuInstance[]> {
    const result = await this.run(SMI_ARGS.gpuInstances(index), NONE.gpuInstances);
    if (result.none) return [];
    const rows = this.parse(result, parseGpuInstances);
    return rows.map((row) => {
      const { placement } = row;
      if (!placement) {
        throw new NvidiaSmiError({
          reason: "unparseable",
          command: result.command,
          exitCode: result.exitCode,
          toolMessage: `GPU instance ${row.instanceId} has no placement: this driver's -lgi has no Placement column`,
          stdout: result.stdout,
        });
      }
      return { ...row, placement };
    });
  }

  async computeInstances(index: number): Promise<ComputeInstanceRow[]> {
    const result = await this.run(SMI_ARGS.computeInstances(index), NONE.computeInstances);
    return result.none ? [] : this.parse(result, parseComputeInstances);
  }

  /**
   * `-cgi LIST [-C]` in one call, so the driver's default placement sees the given order. On failure the
   * NvidiaSmiError's `stdout` still holds the success lines of what was created before it
   * (`parseCreateOutput(error.stdout)`).
   */
  async createGpuInstances(index: number, profiles: readonly (number | string)[], withDefaultCi: boolean): Promise<CreateOutput> {
    const result = await this.run(SMI_ARGS.createGpuInstances(index, profiles, withDefaultCi));
    return this.parse(result, parseCreateOutput);
  }

  /** `-cci [LIST] -gi ID`; without profiles, the GPU instance's default compute instance. */
  async createComputeInstances(index: number, giId: number, profiles?: readonly (number | string)[]): Promise<CreatedComputeInstance[]> {
    const result = await this.run(SMI_ARGS.createComputeInstances(index, giId, profiles));
    return this.parse(result, parseCreateOutput).computeInstances;
  }

  /** `-dci [-gi IDS] [-ci ID]`; nothing to destroy is not an error. */
  async destroyComputeInstances(index: number, giIds?: number | readonly number[], ciId?: number): Promise<DestroyOutput["computeInstances"]> {
    const result = await this.run(SMI_ARGS.destroyComputeInstances(index, giIds, ciId), NONE.computeInstances);
    return result.none ? [] : this.parse(result, parseDestroyOutput).computeInstances;
  }

  /** `-dgi [-gi IDS]`; nothing to destroy is not an error, a GPU instance still in use is. */
  async destroyGpuInstances(index: number, giIds?: number | readonly number[]): Promise<DestroyOutput["gpuInstances"]> {
    const result = await this.run(SMI_ARGS.destroyGpuInstances(index, giIds), NONE.gpuInstances);
    return result.none ? [] : this.parse(result, parseDestroyOutput).gpuInstances;
  }

  async queryXml(index?: number): Promise<QueryXml> {
    return this.parse(await this.run(SMI_ARGS.queryXml(index)), parseQueryXml);
  }

  async driverInfo(): Promise<{ driverVersion?: string; cudaVersion?: string }> {
    const { driverVersion, cudaVersion } = await this.queryXml();
    return { ...(driverVersion ? { driverVersion } : {}), ...(cudaVersion ? { cudaVersion } : {}) };
  }

  /**
   * The MIG devices of one GPU with their UUIDs and instance ids: `-L` gives device index → UUID and
   * profile name, `-q -x` gives device index → GPU/compute instance ids (the old `MIG-GPU-<uuid>/gi/ci`
   * form carries the ids itself).
   */
  async migDevices(index: number): Promise<MigDevice[]> {
    const [gpus, xml] = await Promise.all([this.listGpus(), this.queryXml(index)]);
    const gpu = gpus.find((g) => g.index === index);
    if (!gpu) throw new NvidiaSmiError({ reason: "failed", command: [this.bin, "-L"], toolMessage: `GPU ${index} is not listed` });
    const xmlGpu = xml.gpus.find((g) => g.uuid === gpu.uuid) ?? (xml.gpus.length === 1 ? xml.gpus[0] : undefined);
    return gpu.migDevices.map((d) => {
      const fromXml = xmlGpu?.migDevices.find((x) => x.index === d.deviceIndex);
      const giId = d.gpuInstanceId ?? fromXml?.gpuInstanceId;
      const ciId = d.computeInstanceId ?? fromXml?.computeInstanceId;
      if (giId === undefined || ciId === undefined) {
        throw new NvidiaSmiError({
          reason: "unparseable",
          command: [this.bin, "-q", "-x", "-i", String(index)],
          toolMessage: `MIG device ${d.deviceIndex} (${d.uuid}) has no GPU/compute instance ids in -q -x`,
        });
      }
      return { deviceIndex: d.deviceIndex, uuid: d.uuid, giId, ciId, profileName: d.name };
    });
  }

  /** Compute processes of one GPU; under MIG they are reported against the parent GPU. */
  async computeApps(index: number): Promise<ComputeApp[]> {
    const fields = ["gpu_uuid", "pid", "process_name", "used_memory"];
    const result = await this.run(SMI_ARGS.computeApps(fields, index), NONE.processes);
    if (result.none) return [];
    return this.parse(result, (text) =>
      parseQueryCsv(text, fields).flatMap((r) => {
        const pid = toInt(r.pid);
        return pid === undefined ? [] : [{ gpuUuid: r.gpu_uuid, pid, processName: r.process_name, usedMemoryMiB: toNumber(r.used_memory) }];
      }),
    );
  }
}
