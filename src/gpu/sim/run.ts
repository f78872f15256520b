/**
 * The simulated `nvidia-smi`: argv in, stdout/stderr/exit code out. Commands are a table of
 * (action option, options allowed with it, handler); anything else is the real tool's
 * "Invalid combination of input arguments".
 */
import { listValue, optionNames, parseArgs, type ParsedArgs } from "./args.js";
import { runWithFault, takeFault } from "./faults.js";
import { formatComputeApps, formatQueryGpu, parseCsvFormat, type CsvFormat, type CsvResult } from "./format-csv.js";
import { formatComputeInstances, formatGpuInstances } from "./format-instances.js";
import { formatListGpus } from "./format-list.js";
import { formatCiProfiles, formatGiPlacements, formatGiProfiles } from "./format-profiles.js";
import { formatQueryXml } from "./format-xml.js";
import { driverOptions, isMigEnabled, modelOf, selectGpus } from "./gpus.js";
import { DRIVER_BEHAVIOUR, driverMajor } from "./hardware.js";
import { EXIT, MSG } from "./messages.js";
import { createComputeInstances, createGpuInstances, destroyComputeInstances, destroyGpuInstances, resetGpus, setMigMode, type Outcome } from "./mig.js";
import { readSimState, SimStateError, updateSimState, type SimGpu, type SimState } from "./state.js";

export interface SimResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  /** An injected hang: the executable stays silent this long instead of exiting. */
  readonly hangMs?: number;
}

export type SimEnv = Readonly<Record<string, string | undefined>>;

/** The state file; `MIGBENCH_SIM_NOW` (epoch ms) pins the clock for reproducible telemetry. */
export const SIM_ENV = { state: "MIGBENCH_SIM_STATE", now: "MIGBENCH_SIM_NOW" } as const;

interface Context {
  readonly args: ParsedArgs;
  readonly file: string;
  readonly nowMs: number;
  readonly read: StateSource["read"];
}

/** Where a call gets the state: the file afresh (one process per call), or a loop's cache (loop.ts). */
export interface StateSource {
  readonly read: (file: string) => SimState;
  /** False where the state surely injects no fault, so that the fault check need not open the file. */
  readonly mayFault: (file: string) => boolean;
}

const FRESH: StateSource = { read: readSimState, mayFault: () => true };

const ok = (lines: string[]): Outcome => ({ lines, exitCode: EXIT.ok });
const fail = (exitCode: number, ...lines: string[]): Outcome => ({ lines, exitCode });
const invalid = (): Outcome => fail(EXIT.invalidArgument, MSG.invalidCombination);
const option = (ctx: Context, key: string): string | true | undefined => ctx.args.options.get(key);

/** Numeric ids of `-gi`/`-ci`; null when one is not a number. */
function idList(ctx: Context, key: string): number[] | undefined | null {
  const items = listValue(option(ctx, key));
  if (!items) return option(ctx, key) === true ? null : undefined;
  return items.every((s) => /^\d+$/.test(s)) ? items.map(Number) : null;
}

/** Runs `fn` on the GPUs `-i` selects, from a state read without the lock (renames make reads atomic). */
function reading(ctx: Context, fn: (state: SimState, gpus: SimGpu[]) => Outcome): Outcome {
  const state = ctx.read(ctx.file);
  const gpus = selectGpus(state, option(ctx, "id"));
  return gpus ? fn(state, gpus) : fail(EXIT.notFound, MSG.noDevices);
}

/** Like `reading`, but holding the lock and writing back whatever `fn` changed. */
function changing(ctx: Context, fn: (state: SimState, gpus: SimGpu[]) => Outcome): Outcome {
  return updateSimState(ctx.file, (state) => {
    const gpus = selectGpus(state, option(ctx, "id"));
    return gpus ? fn(state, gpus) : fail(EXIT.notFound, MSG.noDevices);
  });
}

/**
 * The selected GPUs that can answer a MIG command, or the tool's message when none can; `disabledExit` is
 * the exit code of "No MIG-enabled devices found." for this command.
 */
function migGpus(gpus: readonly SimGpu[], fn: (gpus: SimGpu[]) => Outcome, evenWhenDisabled = false, disabledExit: number = EXIT.notFound): Outcome {
  const capable = gpus.filter((g) => modelOf(g).mig !== null);
  if (capable.length === 0) return fail(EXIT.notFound, MSG.noMigSupported);
  const usable = evenWhenDisabled ? capable : capable.filter(isMigEnabled);
  return usable.length === 0 ? fail(disabledExit, MSG.noMigEnabled) : fn(usable);
}

const csvOutcome = (result: CsvResult): Outcome => (result.ok ? ok(result.lines) : fail(EXIT.invalidArgument, MSG.invalidField(result.invalidField)));

function queryCsv(ctx: Context, key: string, render: (state: SimState, gpus: SimGpu[], fields: string[], format: CsvFormat) => CsvResult): Outcome {
  const format = parseCsvFormat(option(ctx, "format"));
  const fields = listValue(option(ctx, key));
  if (!format || !fields || fields.length === 0) return invalid();
  return reading(ctx, (state, gpus) => csvOutcome(render(state, gpus, fields, format)));
}

/** Profiles are listed with MIG off from driver 580 on. */
const profilesWithMigOff = (state: SimState): boolean => driverMajor(state.driverVersion) >= DRIVER_BEHAVIOUR.profilesWithMigOffFrom;

/** GPU instances of each MIG GPU, filtered by `-gi`; the tool's message when there are none. */
function withInstances(
  ctx: Context,
  fn: (selection: { gpu: SimGpu; instances: SimGpu["gpuInstances"] }[]) => Outcome,
  none: string,
  disabledExit: number = EXIT.notFound,
): Outcome {
  const giIds = idList(ctx, "gi");
  if (giIds === null) return invalid();
  return reading(ctx, (_state, gpus) =>
    migGpus(
      gpus,
      (mig) => {
        const selection = mig.map((gpu) => ({ gpu, instances: gpu.gpuInstances.filter((gi) => !giIds || giIds.includes(gi.id)) }));
        return selection.some((s) => s.instances.length > 0) ? fn(selection.filter((s) => s.instances.length > 0)) : fail(EXIT.notFound, none);
      },
      false,
      disabledExit,
    ),
  );
}

interface Command {
  readonly action: string;
  readonly allowed: readonly string[];
  readonly run: (ctx: Context) => Outcome;
}

const TOP_COMMANDS: readonly Command[] = [
  { action: "listGpus", allowed: ["id"], run: (ctx) => reading(ctx, (state, gpus) => ok(formatListGpus(state, gpus))) },
  {
    action: "queryGpu",
    allowed: ["format", "id", "loop", "loopMs"],
    run: (ctx) => queryCsv(ctx, "queryGpu", (state, gpus, fields, format) => formatQueryGpu(state, gpus, fields, format, ctx.nowMs)),
  },
  {
    action: "queryComputeApps",
    allowed: ["format", "id", "loop", "loopMs"],
    run: (ctx) => queryCsv(ctx, "queryComputeApps", (_state, gpus, fields, format) => formatComputeApps(gpus, fields, format, ctx.nowMs)),
  },
  {
    action: "query",
    allowed: ["xml", "id", "loop", "loopMs"],
    run: (ctx) =>
      option(ctx, "xml")
        ? reading(ctx, (state, gpus) => ok(formatQueryXml(state, gpus, ctx.nowMs)))
        : { lines: [], stderr: ["migbench sim: only `-q -x` (XML) is simulated"], exitCode: EXIT.invalidArgument },
  },
  {
    action: "mig",
    allowed: ["id"],
    run: (ctx) => {
      const value = option(ctx, "mig");
      if (value !== "0" && value !== "1") return invalid();
      return changing(ctx, (_state, gpus) => setMigMode(gpus, value === "1"));
    },
  },
  { action: "gpuReset", allowed: ["id"], run: (ctx) => changing(ctx, (_state, gpus) => resetGpus(gpus)) },
  {
    action: "version",
    allowed: [],
    run: (ctx) => {
      const { driverVersion, cudaVersion } = readSimState(ctx.file);
      return ok([
        `NVIDIA-SMI version  : ${driverVersion}`,
        `NVML version        : ${driverVersion.split(".").slice(0, 2).join(".")}`,
        `DRIVER version      : ${driverVersion}`,
        `CUDA Version        : ${cudaVersion}`,
      ]);
    },
  },
];

const MIG_COMMANDS: readonly Command[] = [
  { action: "lgip", allowed: ["id"], run: (ctx) => reading(ctx, (state, gpus) => migGpus(gpus, (mig) => ok(formatGiProfiles(mig, driverOptions(state))), profilesWithMigOff(state))) },
  { action: "lgipp", allowed: ["id"], run: (ctx) => reading(ctx, (state, gpus) => migGpus(gpus, (mig) => ok(formatGiPlacements(mig)), profilesWithMigOff(state))) },
  { action: "lgi", allowed: ["id", "gi"], run: (ctx) => withInstances(ctx, (sel) => ok(formatGpuInstances(sel)), MSG.noGpuInstances) },
  {
    action: "lci",
    allowed: ["id", "gi", "ci"],
    run: (ctx) => {
      const ciIds = idList(ctx, "ci");
      if (ciIds === null) return invalid();
      return withInstances(
        ctx,
        (sel) => {
          const lines = formatComputeInstances(sel, ciIds);
          return lines.length > 0 ? ok(lines) : fail(EXIT.notFound, MSG.noComputeInstances);
        },
        MSG.noComputeInstances,
      );
    },
  },
  // With MIG off the real -lcip says so and exits 0 (the H200 capture, driver 580: test/fixtures/nvidia-smi/h200-580-lcip.txt).
  { action: "lcip", allowed: ["id", "gi"], run: (ctx) => withInstances(ctx, (sel) => ok(formatCiProfiles(sel)), MSG.noGpuInstances, EXIT.ok) },
  {
    action: "cgi",
    allowed: ["id", "defaultCi"],
    run: (ctx) => {
      const tokens = listValue(option(ctx, "cgi"));
      if (!tokens || tokens.length === 0) return invalid();
      return changing(ctx, (state, gpus) => migGpus(gpus, (mig) => createGpuInstances(mig, tokens, option(ctx, "defaultCi") === true, driverOptions(state))));
    },
  },
  {
    action: "cci",
    allowed: ["id", "gi"],
    run: (ctx) => {
      const giIds = idList(ctx, "gi");
      if (giIds === null) return invalid();
      const tokens = listValue(option(ctx, "cci"));
      return changing(ctx, (_state, gpus) => migGpus(gpus, (mig) => createComputeInstances(mig, giIds, tokens)));
    },
  },
  {
    action: "dci",
    allowed: ["id", "gi", "ci"],
    run: (ctx) => {
      const giIds = idList(ctx, "gi");
      const ciIds = idList(ctx, "ci");
      if (giIds === null || ciIds === null) return invalid();
      return changing(ctx, (_state, gpus) => migGpus(gpus, (mig) => destroyComputeInstances(mig, giIds, ciIds)));
    },
  },
  {
    action: "dgi",
    allowed: ["id", "gi"],
    run: (ctx) => {
      const giIds = idList(ctx, "gi");
      if (giIds === null) return invalid();
      return changing(ctx, (_state, gpus) => migGpus(gpus, (mig) => destroyGpuInstances(mig, giIds)));
    },
  },
];

const USAGE = [
  "NVIDIA System Management Interface (simulated by migbench; state in $MIGBENCH_SIM_STATE)",
  "",
  "    nvidia-smi [-i ID] -L | -q -x | --query-gpu=FIELDS --format=csv[,noheader][,nounits] [-l S | -lms MS]",
  "    nvidia-smi [-i ID] --query-compute-apps=FIELDS --format=csv[,noheader][,nounits]",
  "    nvidia-smi [-i ID] -mig 0|1 | -r",
  "    nvidia-smi mig [-i ID] -lgip | -lgipp | -lgi | -lci [-gi ID] | -lcip [-gi ID]",
  "    nvidia-smi mig [-i ID] -cgi LIST [-C] | -cci [LIST] -gi ID | -dci [-gi ID] [-ci ID] | -dgi [-gi ID]",
];

/** The command `args` asks for, or null when its options do not combine. */
function commandFor(args: ParsedArgs): Command | null {
  const table = args.subcommand === "mig" ? MIG_COMMANDS : TOP_COMMANDS;
  const present = [...args.options.keys()];
  const actions = table.filter((c) => present.includes(c.action));
  const [command] = actions;
  if (actions.length !== 1 || !command) return null;
  return present.every((k) => k === command.action || command.allowed.includes(k)) ? command : null;
}

/** Loop interval of a `--query-…` or `-q -x` with `-l SECONDS` or `-lms MS`; undefined when it does not loop. */
export function loopIntervalMs(argv: readonly string[]): number | undefined {
  const args = parseArgs(argv);
  const ms = args?.options.get("loopMs");
  const s = args?.options.get("loop");
  const interval = typeof ms === "string" ? Number(ms) : typeof s === "string" ? Number(s) * 1000 : undefined;
  return interval !== undefined && Number.isFinite(interval) && interval > 0 ? interval : undefined;
}

const text = (lines: readonly string[]): string => (lines.length > 0 ? `${lines.join("\n")}\n` : "");

export function runSim(argv: readonly string[], env: SimEnv = process.env, source: StateSource = FRESH): SimResult {
  const args = parseArgs(argv);
  if (args?.options.get("help")) return { stdout: text(USAGE), stderr: "", exitCode: EXIT.ok };
  const command = args ? commandFor(args) : null;
  if (!args || !command) {
    const bare = args !== null && args.options.size === 0 && args.subcommand === "top";
    return bare
      ? { stdout: "", stderr: "migbench sim: the summary table is not simulated; try -L, -q -x, --query-gpu=… or mig -lgi\n", exitCode: EXIT.invalidArgument }
      : { stdout: text([MSG.invalidCombination]), stderr: "", exitCode: EXIT.invalidArgument };
  }
  const file = env[SIM_ENV.state];
  if (!file) {
    return { stdout: "", stderr: `migbench sim: ${SIM_ENV.state} is not set; create a state with \`bench sim init\` and export its path\n`, exitCode: EXIT.driverNotLoaded };
  }
  const pinned = Number(env[SIM_ENV.now]);
  const nowMs = env[SIM_ENV.now] !== undefined && Number.isFinite(pinned) ? pinned : Date.now();
  try {
    const fault = source.mayFault(file) ? takeFault(file, optionNames(args.subcommand, command.action)) : null;
    const outcome = fault
      ? runWithFault({ file, args, action: command.action, run: (faulted) => command.run({ args: faulted, file, nowMs, read: source.read }) }, fault)
      : command.run({ args, file, nowMs, read: source.read });
    return { stdout: text(outcome.lines), stderr: text(outcome.stderr ?? []), exitCode: outcome.exitCode, ...(outcome.hangMs ? { hangMs: outcome.hangMs } : {}) };
  } catch (error) {
    const message = error instanceof SimStateError ? error.message : `migbench sim: internal error: ${(error as Error).stack ?? String(error)}`;
    return { stdout: "", stderr: `${message}\n`, exitCode: EXIT.other };
  }
}
