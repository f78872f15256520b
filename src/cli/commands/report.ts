import { writeFile } from "node:fs/promises";
import { InputError } from "../../errors.js";
import type { CommandFactory } from "./types.js";

export const reportCommand: CommandFactory = () => ({
  command: "report <runs..>",
  describe: "Render run directories as the study's tables",
  builder: (y) =>
    y
      .positional("runs", { type: "string", array: true, demandOption: true, describe: "Run directories" })
      .option("format", { type: "string", choices: ["md", "json"], default: "md" })
      .option("out", { type: "string", describe: "Write to this file instead of stdout" }),
  handler: async (args) => {
    const { readRun } = await import("../../results/index.js");
    const { studyTable, renderMarkdown } = await import("../../report/index.js");
    const models = [];
    for (const dir of args.runs as string[]) {
      const manifest = await readRun(dir).catch((error: unknown) => {
        throw new InputError(error instanceof Error ? error.message : String(error));
      });
      models.push(studyTable(manifest));
    }
    const text = args.format === "json" ? JSON.stringify(models, null, 2) + "\n" : models.map(renderMarkdown).join("\n");
    if (args.out) await writeFile(args.out as string, text);
    else process.stdout.write(text);
  },
});
