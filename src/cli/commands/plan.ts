import { loadOrFail } from "../load.js";
import type { CommandFactory } from "./types.js";

export const planCommand: CommandFactory = () => ({
  command: "plan <file>",
  describe: "Show the layout with slot placements, creation order, devices per workload and the schedule",
  builder: (y) =>
    y
      .positional("file", { type: "string", demandOption: true, describe: "Scenario YAML file" })
      .option("json", { type: "boolean", default: false, describe: "Print the plan as JSON" }),
  handler: async (args) => {
    const scenario = await loadOrFail(args.file as string);
    const { buildPlan } = await import("../../plan/index.js");
    const plan = buildPlan(scenario);
    if (args.json) {
      process.stdout.write(JSON.stringify(plan, null, 2) + "\n");
    } else {
      const { renderPlanText } = await import("../../plan/render.js");
      process.stdout.write(renderPlanText(plan));
    }
  },
});
