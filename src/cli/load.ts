import { InputError } from "../errors.js";
import type { Scenario } from "../scenario/types.js";

/**
 * Loads a single-case scenario or ends the command with every problem listed (exit 2, nothing touched).
 * A multi-case file is refused rather than silently reduced to its first case.
 */
export async function loadOrFail(file: string): Promise<Scenario> {
  const cases = await loadCasesOrFail(file);
  const [first] = cases;
  if (cases.length > 1 || first === undefined)
    throw new InputError(`${file} holds ${cases.length} cases (${cases.map((c) => c.doc.name).join(", ")}); give a single-case scenario, a layout or a mig-parted config`);
  return first;
}

/**
 * Every case of a scenario file, or the one named by `only` (`--case`); ends the command with every
 * problem listed (exit 2, nothing touched) when the file is not valid or has no such case.
 */
export async function loadCasesOrFail(file: string, only?: string): Promise<readonly Scenario[]> {
  const { loadScenarioFile, formatProblem } = await import("../scenario/index.js");
  const result = await loadScenarioFile(file);
  if (!result.ok) throw new InputError(`${file} is not a valid scenario:\n${result.problems.map(formatProblem).join("\n")}`);
  if (only === undefined) return result.cases;
  const picked = result.cases.filter((c) => c.doc.name === only);
  if (picked.length === 0) {
    const { didYouMean } = await import("../scenario/suggest.js");
    const names = result.cases.map((c) => c.doc.name);
    throw new InputError(`${file}: no case named "${only}"${didYouMean(only, names) || `; its cases: ${names.join(", ")}`}`);
  }
  return picked;
}
