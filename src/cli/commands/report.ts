import { EnvironmentError, InputError } from "../../errors.js";

/** Write errors that say the machine, not the path given, is at fault. */
const ENVIRONMENT_CODES = new Set(["ENOSPC", "EDQUOT", "EIO", "EROFS"]);
import type { CommandFactory } from "./types.js";

/** Mirrors REPORT_FORMATS and CSV_TABLES (src/report); a test keeps them equal. Literal here so `--help` needs no import. */
export const FORMAT_CHOICES = ["md", "html", "csv", "json"] as const;
export const TABLE_CHOICES = ["instances", "aggregates", "speedups"] as const;

export const reportCommand: CommandFactory = () => ({
  command: "report <inputs..>",
  describe: "Report on runs: run directories, folders of runs, published tables (CSV) or a report definition (.yaml)",
  builder: (y) =>
    y
      .positional("inputs", { type: "string", array: true, demandOption: true, describe: "Run directories, folders of run directories, CSV tables, or one report definition (docs/reports.md)" })
      .option("format", { type: "string", choices: FORMAT_CHOICES, default: "md" })
      .option("out", { type: "string", describe: "Write to this file instead of stdout" })
      .option("baseline", { type: "string", describe: "Speedups of every other case against this case id" })
      .option("candidate", { type: "string", describe: "Speedups of this case id against every other case" })
      .option("table", { type: "string", choices: TABLE_CHOICES, default: "instances", describe: "CSV: which table" })
      .conflicts("baseline", "candidate"),
  handler: async (args) => {
    const { buildReport, isDefinitionPath, renderReport } = await import("../../report/index.js");
    const { writeFileAtomic } = await import("../../results/index.js");
    const inputs = args.inputs as string[];
    const definitions = inputs.filter(isDefinitionPath);
    if (definitions.length > 0 && inputs.length > 1)
      throw new InputError(`${definitions[0]}: a report definition names its own sources; give it alone (or give run directories without it)`);
    const model = await buildReport({
      ...(definitions[0] !== undefined ? { definition: definitions[0] } : { inputs }),
      ...(args.baseline !== undefined ? { baseline: args.baseline as string } : {}),
      ...(args.candidate !== undefined ? { candidate: args.candidate as string } : {}),
    });
    const text = await renderReport(model, args.format as (typeof FORMAT_CHOICES)[number], { table: args.table as (typeof TABLE_CHOICES)[number] });
    // Built and rendered in full before anything is written: bad input leaves no partial file.
    if (args.out === undefined) process.stdout.write(text);
    else
      await writeFileAtomic(args.out as string, text).catch((error: unknown) => {
        // A full disk is the machine's problem (exit 3); a folder that does not exist is the user's (exit 2).
        const message = `--out ${args.out as string}: ${(error as Error).message}`;
        throw ENVIRONMENT_CODES.has((error as NodeJS.ErrnoException).code ?? "") ? new EnvironmentError(message) : new InputError(message);
      });
  },
});
