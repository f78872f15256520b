import { loadCasesOrFail } from "../load.js";
import type { CommandFactory } from "./types.js";

export const planCommand: CommandFactory = () => ({
  command: "plan <file>",
  describe: "Show the layout with slot placements, creation order, devices per workload and the schedule",
  builder: (y) =>
    y
      .positional("file", { type: "string", demandOption: true, describe: "Scenario YAML file" })
      .option("case", { type: "string", describe: "Only this case of a multi-case file" })
      .option("json", { type: "boolean", default: false, describe: "Print the plan as JSON (a list of {case, plan} for a multi-case file)" }),
  handler: async (args) => {
    const cases = await loadCasesOrFail(args.file as string, args.case as string | undefined);
    const { buildPlan } = await import("../../plan/index.js");
    const plans = cases.map((scenario) => ({ case: scenario.doc.name, plan: buildPlan(scenario) }));
    const several = cases.some((c) => c.study !== undefined) && args.case === undefined;
    if (args.json) {
      process.stdout.write(JSON.stringify(several ? plans : plans[0]!.plan, null, 2) + "\n");
      return;
    }
    const { renderPlanText } = await import("../../plan/render.js");
    const text = plans.map(({ case: name, plan }) => (several ? `== case ${name}\n${renderPlanText(plan)}` : renderPlanText(plan)));
    process.stdout.write(text.join("\n"));
  },
});
