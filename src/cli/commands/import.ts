import path from "node:path";
import type { CommandFactory } from "./types.js";

export const importCommand: CommandFactory = () => ({
  command: "import <tables..>",
  describe: "Turn published tables (CSV, docs/import-format.md) into run directories marked as imported; prints their paths",
  builder: (y) =>
    y
      .positional("tables", { type: "string", array: true, demandOption: true, describe: "CSV files of per-instance figures per case" })
      .option("out", { type: "string", default: "results", describe: "Folder that receives the run directories" }),
  handler: async (args) => {
    const { importTables, Redactor } = await import("../../results/index.js");
    const { harnessInfo } = await import("../../runner/environment.js");
    const runs = await importTables(args.tables as string[], {
      out: path.resolve(args.out as string),
      harness: await harnessInfo(),
      command: Redactor.fromEnvironments(process.env).argv(process.argv.slice(1)),
    });
    for (const run of runs) process.stdout.write(`${run.dir}\n`);
  },
});
