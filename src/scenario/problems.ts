/**
 * Problems before and after they get a position. Checks speak in document paths (`Finding`); the
 * loader, which knows the YAML source, turns them into `file:line:col` problems.
 */
import type { DocPath, ScenarioProblem } from "./types.js";

/**
 * A problem located by its path in the document. `at: "key"` points at the key itself (unknown keys,
 * bad names); `"value"` (the default) at the value. A path that is not in the document (a missing key)
 * points at the deepest mapping or list that is.
 */
export interface Finding {
  readonly path: DocPath;
  readonly at?: "key" | "value";
  readonly message: string;
}

/** `file:line:col: message`, the line `bench validate` prints and editors jump to. */
export function formatProblem(problem: ScenarioProblem): string {
  return `${problem.file}:${problem.line}:${problem.col}: ${problem.message}`;
}

/** By file, line and column; problems at the same place keep the order they were found in. */
export function sortProblems(problems: readonly ScenarioProblem[]): ScenarioProblem[] {
  return problems
    .map((problem, order) => ({ problem, order }))
    .sort(
      (a, b) =>
        a.problem.file.localeCompare(b.problem.file) ||
        a.problem.line - b.problem.line ||
        a.problem.col - b.problem.col ||
        a.order - b.order,
    )
    .map(({ problem }) => problem);
}
