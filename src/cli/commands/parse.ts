import { InputError } from "../../errors.js";
import type { CommandFactory } from "./types.js";

export const parseCommand: CommandFactory = () => ({
  command: "parse <file>",
  describe: "Print, as JSON, the metrics a parser extracts from a log (check a parser before a long run)",
  builder: (y) =>
    y
      .positional("file", { type: "string", demandOption: true, describe: "Log file" })
      .option("format", { type: "string", demandOption: true, describe: "Parser name (jsonl, dllogger, ...)" })
      .option("samples", { type: "boolean", default: true, describe: "Include every sample, not only the final figures" }),
  handler: async (args) => {
    const { PARSERS, parseLogFile } = await import("../../metrics/parsers/index.js");
    const format = args.format as string;
    if (!(format in PARSERS)) throw new InputError(`unknown parser "${format}"; known: ${Object.keys(PARSERS).join(", ")}`);
    const result = await parseLogFile(format, args.file as string).catch((error: unknown) => {
      throw new InputError(`${args.file as string}: ${error instanceof Error ? error.message : String(error)}`);
    });
    const shown = args.samples ? result : { ...result, samples: undefined };
    process.stdout.write(JSON.stringify(shown, null, 2) + "\n");
  },
});
