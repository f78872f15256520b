import { EXIT } from "../../errors.js";
import type { CommandFactory } from "./types.js";

export const validateCommand: CommandFactory = (setExit) => ({
  command: "validate <files..>",
  describe: "Check scenario files; prints one `file:line:col: message` line per problem (exit 2 when any)",
  builder: (y) => y.positional("files", { type: "string", array: true, demandOption: true, describe: "Scenario YAML files" }),
  handler: async (args) => {
    const { loadScenarioFile, formatProblem } = await import("../../scenario/index.js");
    for (const file of args.files as string[]) {
      const result = await loadScenarioFile(file);
      if (result.ok) {
        process.stdout.write(`${file}: ok\n`);
      } else {
        for (const problem of result.problems) process.stdout.write(formatProblem(problem) + "\n");
        setExit(EXIT.badInput);
      }
    }
  },
});
