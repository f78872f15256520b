import path from "node:path";
import { loadCasesOrFail } from "../load.js";
import type { CommandFactory } from "./types.js";

export const runCommand: CommandFactory = (setExit) => ({
  command: "run <file>",
  describe: "Run a scenario: partition, launch, collect, restore; prints the study-style table and the run directory",
  builder: (y) =>
    y
      .positional("file", { type: "string", demandOption: true, describe: "Scenario YAML file (one case, or several under cases:)" })
      .option("case", { type: "string", describe: "Run only this case of a multi-case file" })
      .option("gpu", { type: "string", describe: "sim:MODEL for the simulated GPU, real for nvidia-smi; default: real when present, else simulated" })
      .option("runtime", { type: "string", choices: ["process", "docker"], default: "process", describe: "How workloads are launched" })
      .option("out", { type: "string", default: "results", describe: "Folder that receives the run directory" })
      .option("any-gpu", { type: "boolean", default: false, describe: "Run even when the GPU is not the scenario's model" })
      .option("allow-gpu-reset", { type: "boolean", default: false, describe: "Reset the GPU when a MIG mode change is pending (never done without this flag)" })
      .option("wait-lock", { type: "boolean", default: false, describe: "Wait while another run holds the GPU, instead of stopping" }),
  handler: async (args) => {
    // Loaded together: the runner's modules are read while the scenario is checked.
    const [cases, { parseGpuFlag }, { runScenario }, { studyTable }, { renderMarkdown }, { LiveView }, { CleanupTracker }] = await Promise.all([
      loadCasesOrFail(args.file as string, args.case as string | undefined),
      import("../../runner/gpu-target.js"),
      import("../../runner/index.js"),
      // Not report/index.js: that loads the HTML report's chart drawing (vega), which a run does not need.
      import("../../report/study-table.js"),
      import("../../report/markdown.js"),
      import("../../runner/live-view.js"),
      import("../../runner/cleanup-tracker.js"),
    ]);
    const scenario = cases[0]!;
    const gpu = parseGpuFlag(args.gpu as string | undefined, scenario.model.id);

    // One line per instance, redrawn in place, on a terminal; plain timestamped lines in a CI log.
    const view = new LiveView(process.stderr, { tty: process.stderr.isTTY === true });
    const cleanup = new CleanupTracker();
    const controller = new AbortController();
    let signals = 0;
    const onSignal = (name: string): void => {
      signals++;
      process.stderr.write(
        signals === 1
          ? `\nbench: ${name}: stopping the workloads and restoring the GPU (partial results are kept)\n`
          : `\nbench: ${name} again: ${cleanup.describe()}; please wait\n`,
      );
      controller.abort();
    };
    const onInt = (): void => onSignal("SIGINT");
    const onTerm = (): void => onSignal("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    const options = {
      gpu,
      runtime: args.runtime as string,
      resultsRoot: path.resolve(args.out as string),
      command: process.argv.slice(1),
      signal: controller.signal,
      progress: (line: string) => view.line(line),
      events: view.event.bind(view),
      cleanup,
      anyGpu: args["any-gpu"] as boolean,
      allowGpuReset: args["allow-gpu-reset"] as boolean,
      waitLock: args["wait-lock"] as boolean,
    };
    try {
      if (cases.length > 1 || (scenario.study !== undefined && args.case === undefined)) {
        const { runStudy } = await import("../../runner/study.js");
        const study = await runStudy({ ...options, cases });
        view.close();
        const { writeStudyReports } = await import("../study-report.js");
        const reports = await writeStudyReports(study);
        process.stdout.write(reports.markdown);
        for (const name of Object.values(reports.files)) process.stderr.write(`bench: report: ${path.join(study.dir, name)}\n`);
        process.stdout.write(`${study.dir}\n`);
        setExit(study.exitCode);
        return;
      }
      const outcome = await runScenario({ ...options, scenario });
      view.close();
      if (outcome.manifest.executions.length > 0) process.stdout.write(renderMarkdown(studyTable(outcome.manifest)) + "\n");
      if (!outcome.manifest.validity.valid) {
        process.stderr.write(`bench: the run is not valid:\n${outcome.manifest.validity.reasons.map((r) => `  - ${r}`).join("\n")}\n`);
      }
      process.stdout.write(`${outcome.dir}\n`);
      setExit(outcome.exitCode);
    } finally {
      view.close();
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    }
  },
});
