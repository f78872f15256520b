import { writeFile } from "node:fs/promises";
import { EXIT, InputError } from "../../errors.js";
import type { RunManifest } from "../../results/index.js";
import type { CommandFactory } from "./types.js";

/** `5%` or `0.05`: a relative change, at least 0 and below 1 (100%). */
export function parseThreshold(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$/.exec(text);
  const value = match ? Number(match[1]) / (match[2] === "%" ? 100 : 1) : Number.NaN;
  if (!(value >= 0 && value < 1)) throw new InputError(`--threshold: expected a relative change such as 5% or 0.05 (at least 0, below 100%), got '${text}'`);
  return value;
}

function parseAlpha(text: string): number {
  const value = /^\s*(\d*\.\d+|\d+)\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(value > 0 && value < 1)) throw new InputError(`--alpha: expected a significance level between 0 and 1 such as 0.05, got '${text}'`);
  return value;
}

export const compareCommand: CommandFactory = (setExit) => ({
  command: "compare <base> <new>",
  describe: "Compare two run directories metric by metric: SAME / FASTER / SLOWER / UNCERTAIN; exit 1 when a metric got slower",
  builder: (y) =>
    y
      .positional("base", { type: "string", demandOption: true, describe: "The baseline run directory" })
      .positional("new", { type: "string", demandOption: true, describe: "The run directory to judge against it" })
      .option("threshold", { type: "string", default: "5%", describe: "Smallest change of a median that matters: 5% or 0.05" })
      .option("alpha", { type: "string", default: "0.05", describe: "Significance level of the rank test (Mann–Whitney U)" })
      .option("format", { type: "string", choices: ["md", "json"], default: "md" })
      .option("out", { type: "string", describe: "Write to this file instead of stdout" }),
  handler: async (args) => {
    // Flags first: a bad flag must fail before any file is read.
    const threshold = parseThreshold(String(args.threshold));
    const alpha = parseAlpha(String(args.alpha));
    const { readRun } = await import("../../results/index.js");
    const { compareRuns } = await import("../../report/compare.js");
    const { renderCompareJson, renderCompareMarkdown } = await import("../../report/compare-markdown.js");
    const read = (dir: string, side: string): Promise<RunManifest> =>
      readRun(dir).catch((error: unknown) => {
        throw new InputError(`${side} run: ${error instanceof Error ? error.message : String(error)}`);
      });
    const base = await read(args.base as string, "base");
    const candidate = await read(args.new as string, "new");
    const model = compareRuns(base, candidate, { threshold, alpha });
    const text = args.format === "json" ? renderCompareJson(model) : renderCompareMarkdown(model);
    if (args.out) await writeFile(args.out as string, text);
    else process.stdout.write(text);
    if (model.regression) setExit(EXIT.invalid);
  },
});
