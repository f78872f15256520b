/**
 * The secrets a run knows of, so that none reaches its directory: values of this process's and the
 * workloads' environment variables (and of the scenario's labels) whose names mark them secret, and values given to secret-named
 * options on the workloads' and the harness's command lines.
 */
import { Redactor } from "../results/index.js";
import type { Scenario } from "../scenario/types.js";

export function runRedactor(scenario: Scenario, command: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Redactor {
  const workloads = Object.values(scenario.doc.workloads);
  // `labels` is the scenario's one free-form map: `hf_token: ...` there is as secret as in an environment.
  return Redactor.fromEnvironments(env, scenario.doc.labels, ...workloads.map((w) => w.env)).with([
    ...Redactor.secretsInArgv(command),
    ...workloads.flatMap((w) => Redactor.secretsInArgv(w.command)),
  ]);
}
