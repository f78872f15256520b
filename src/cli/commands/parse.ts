import { readFile } from "node:fs/promises";
import { InputError } from "../../errors.js";
import type { CommandFactory } from "./types.js";

/** `--options '{"concurrency": 4}'` or `--options @file.json`: the parser options a scenario would give. */
async function readOptions(text: string | undefined): Promise<unknown> {
  if (text === undefined) return undefined;
  const source = text.startsWith("@") ? await readFile(text.slice(1), "utf8").catch((error: unknown) => {
    throw new InputError(`--options ${text}: ${error instanceof Error ? error.message : String(error)}`);
  }) : text;
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    throw new InputError(`--options: not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export const parseCommand: CommandFactory = () => ({
  command: "parse [file]",
  describe: "Print, as JSON, the metrics a parser extracts from a log (check a parser before a long run)",
  builder: (y) =>
    y
      .positional("file", { type: "string", describe: "Log file (the runtime's timestamped log or a plain one)" })
      .option("format", { type: "string", describe: "Parser name: jsonl, dllogger, triton-client, perf-analyzer, hf-trainer, mlperf-loadgen, regex" })
      .option("options", { type: "string", describe: "Parser options as JSON, or @FILE holding them (as `parser.options` in a scenario)" })
      .option("samples", { type: "boolean", default: true, describe: "Include every sample, not only the final figures (--no-samples keeps memory flat)" })
      .option("list", { type: "boolean", default: false, describe: "List the parsers and what they read" })
      .check((args) => {
        if (args.list) return true;
        if (args.format === undefined || args.file === undefined) throw new Error("give --format NAME and a FILE, or --list");
        return true;
      }),
  handler: async (args) => {
    const { PARSERS, parseLogFile } = await import("../../metrics/parsers/index.js");
    if (args.list) {
      for (const parser of Object.values(PARSERS)) process.stdout.write(`${parser.name}\n  ${parser.description}\n`);
      return;
    }
    const format = args.format as string;
    if (!Object.hasOwn(PARSERS, format)) throw new InputError(`unknown parser "${format}"; known: ${Object.keys(PARSERS).join(", ")}`);
    const options = await readOptions(args.options as string | undefined);
    // Samples are printed as they are parsed, never held: a gigabyte log parses in flat memory.
    const withSamples = args.samples as boolean;
    const out = process.stdout;
    let count = 0;
    const onSample = (sample: unknown): void => {
      if (count++ === 0) out.write(`{\n  "parser": ${JSON.stringify(format)},\n  "samples": [\n`);
      else out.write(",\n");
      out.write(`    ${JSON.stringify(sample)}`);
    };
    const result = await parseLogFile(format, args.file as string, options, { keepSamples: false, ...(withSamples ? { onSample } : {}) }).catch((error: unknown) => {
      if (count > 0) out.write("\n");
      throw new InputError(`${args.file as string}: ${error instanceof Error ? error.message : String(error)}`);
    });
    const { samples: _none, parser, ...tail } = result;
    if (!withSamples) out.write(`${JSON.stringify({ parser, ...tail }, null, 2)}\n`);
    else if (count === 0) out.write(`${JSON.stringify({ parser, samples: [], ...tail }, null, 2)}\n`);
    else out.write(`\n  ],\n${JSON.stringify(tail, null, 2).slice(2)}\n`);
  },
});
