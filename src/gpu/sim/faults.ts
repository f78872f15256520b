/**
 * Injected failures at run time: which fault, if any, hits this call of a command (counted in the state
 * file, so that separate `nvidia-smi` processes count together), and what the tool then prints. The
 * failure lines are nvidia-smi's own for the command (reference/nvidia-smi-outputs.md); for reads, whose
 * failures the reference does not show, a line in the same style.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { listValue, type ParsedArgs } from "./args.js";
import type { SimFault } from "./fault-schema.js";
import { selectGpus } from "./gpus.js";
import { EXIT, EXIT_FOR_REASON, MSG, REASON, type Reason } from "./messages.js";
import type { Outcome } from "./mig.js";
import { readSimState, updateSimState, withSimLock } from "./state.js";

const DEFAULT_HANG_MS = 3_600_000;

const isReason = (text: string): text is Reason => (Object.values(REASON) as string[]).includes(text);

/** The fault this call of the command named by `names` meets, or null; counts the call when faults target it. */
export function takeFault(file: string, names: readonly string[]): SimFault | null {
  // Most states inject nothing: a glance at the text spares parsing the file twice per call.
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null; // the command itself reports a missing state file, in its own words
  }
  if (!text.includes('"faults"')) return null;
  const targets = (readSimState(file).faults ?? []).filter((f) => names.includes(f.command));
  if (targets.length === 0) return null;
  const key = names[0] ?? "";
  const call = updateSimState(file, (state) => {
    const calls = { ...(state.faultCalls ?? {}) };
    calls[key] = (calls[key] ?? 0) + 1;
    state.faultCalls = calls;
    return calls[key];
  });
  return targets.find((f) => f.nth === undefined || f.nth === call) ?? null;
}

export interface FaultContext {
  readonly file: string;
  readonly args: ParsedArgs;
  /** The command's option key (`cgi`, `mig`, `gpuReset`, …). */
  readonly action: string;
  /** Runs the command itself with these arguments (changing the state as it would). */
  readonly run: (args: ParsedArgs) => Outcome;
}

const VERBS: Readonly<Record<string, string>> = {
  listGpus: "list GPUs",
  queryGpu: "query the GPU",
  queryComputeApps: "query compute processes",
  query: "query the GPU",
  lgi: "list GPU instances",
  lci: "list compute instances",
  lgip: "list GPU instance profiles",
  lgipp: "list GPU instance placements",
  lcip: "list compute instance profiles",
};

function failureLines(ctx: FaultContext, reason: Reason, token: string | undefined): string[] {
  const state = readSimState(ctx.file);
  const gpu = selectGpus(state, ctx.args.options.get("id"))?.[0] ?? state.gpus[0];
  const index = gpu?.index ?? 0;
  const bus = gpu?.pciBusId ?? "00000000:00:00.0";
  const giId = Number(listValue(ctx.args.options.get("gi"))?.[0] ?? 0);
  switch (ctx.action) {
    case "cgi":
      return MSG.giCreateFailed(index, token ?? listValue(ctx.args.options.get("cgi"))?.[0] ?? "0", reason);
    case "cci":
      return MSG.ciCreateFailed(index, giId, token ?? listValue(ctx.args.options.get("cci"))?.[0] ?? "default", reason);
    case "dci":
      return [MSG.ciDestroyFailedSummary(reason)];
    case "dgi":
      return [MSG.giDestroyFailedSummary(reason)];
    case "mig":
      return [MSG.migUnable(ctx.args.options.get("mig") === "1", bus, reason), MSG.terminatingEarly];
    case "gpuReset":
      return reason === REASON.inUse ? MSG.resetBlocked([bus]) : [`Unable to reset GPU ${bus}: ${reason}`];
    default:
      return [`Unable to ${VERBS[ctx.action] ?? "complete the request"} on GPU ${index}: ${reason}`];
  }
}

/** `-cgi` with only the first `count` of its profiles. */
function truncatedCgi(args: ParsedArgs, count: number): ParsedArgs {
  const tokens = listValue(args.options.get("cgi")) ?? [];
  const options = new Map(args.options);
  options.set("cgi", tokens.slice(0, count).join(","));
  return { subcommand: args.subcommand, options };
}

/** Runs the command the way `fault` says it goes wrong. */
export function runWithFault(ctx: FaultContext, fault: SimFault): Outcome {
  if (fault.error === "hang") {
    if (fault.applied) ctx.run(ctx.args);
    return { lines: [], exitCode: EXIT.ok, hangMs: fault.hangMs ?? DEFAULT_HANG_MS };
  }
  if (fault.error === "silent") {
    // Whatever the command does is undone before anyone can see it; its success lines still print.
    return withSimLock(ctx.file, () => {
      const before = readFileSync(ctx.file);
      const outcome = ctx.run(ctx.args);
      writeFileSync(ctx.file, before);
      return { lines: outcome.lines, exitCode: EXIT.ok };
    });
  }
  const exit = /^exit:(\d+)$/.exec(fault.error);
  const reason: Reason = exit || !isReason(fault.error) ? REASON.unknown : fault.error;
  const exitCode = exit ? Number(exit[1]) : EXIT_FOR_REASON[reason];
  const before: string[] = [];
  let token: string | undefined;
  if (ctx.action === "cgi" && fault.after !== undefined) {
    const tokens = listValue(ctx.args.options.get("cgi")) ?? [];
    if (fault.after > 0) {
      const partial = ctx.run(truncatedCgi(ctx.args, fault.after));
      before.push(...partial.lines);
      if (partial.exitCode !== EXIT.ok) return partial;
    }
    token = tokens[fault.after];
  } else if (fault.applied) {
    before.push(...ctx.run(ctx.args).lines);
  }
  return { lines: [...before, ...failureLines(ctx, reason, token)], exitCode };
}
