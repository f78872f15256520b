import { InputError } from "../errors.js";
import type { Scenario } from "../scenario/types.js";

/** Loads a scenario or ends the command with every problem listed (exit 2, nothing touched). */
export async function loadOrFail(file: string): Promise<Scenario> {
  const { loadScenarioFile, formatProblem } = await import("../scenario/index.js");
  const result = await loadScenarioFile(file);
  if (!result.ok) throw new InputError(`${file} is not a valid scenario:\n${result.problems.map(formatProblem).join("\n")}`);
  return result.scenario;
}
