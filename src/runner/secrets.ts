/**
 * The secrets a run knows of, so that none reaches its directory: values of this process's and the
 * workloads' environment variables whose names mark them secret, and values given to secret-named
 * options on the workloads' and the harness's command lines.
 */
import { Redactor } from "../results/index.js";
import type { Scenario } from "../scenario/types.js";

export function runRedactor(scenario: Scenario, command: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Redactor {
  const workloads = Object.values(scenario.doc.workloads);
  return Redactor.fromEnvironments(env, ...workloads.map((w) => w.env)).with([
    ...Redactor.secretsInArgv(command),
    ...workloads.flatMap((w) => Redactor.secretsInArgv(w.command)),
  ]);
}
