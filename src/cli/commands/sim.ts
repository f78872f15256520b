import path from "node:path";
import { InputError } from "../../errors.js";
import { findModel } from "../../gpu/catalog/index.js";
import type { CommandFactory } from "./types.js";

export const simCommand: CommandFactory = () => ({
  command: "sim <action>",
  describe: "The simulated GPU: `sim path` prints the folder of its nvidia-smi; `sim init` creates a state file",
  builder: (y) =>
    y
      .positional("action", { type: "string", choices: ["path", "init"], demandOption: true })
      .option("model", { type: "string", describe: "GPU model to simulate (sim init)" })
      .option("gpus", { type: "number", default: 1, describe: "Number of GPUs (sim init)" })
      .option("driver", { type: "string", describe: "Driver version to imitate, e.g. 535.129.03 or 560.35.03 (sim init)" })
      .option("state", { type: "string", describe: "State file to create (sim init); MIGBENCH_SIM_STATE names it for nvidia-smi" }),
  handler: async (args) => {
    const { simBinDir, initSimState } = await import("../../gpu/sim/index.js");
    if (args.action === "path") {
      process.stdout.write(simBinDir() + "\n");
      return;
    }
    const modelName = args.model as string | undefined;
    const state = args.state as string | undefined;
    if (!modelName || !state) throw new InputError("sim init needs --model MODEL and --state FILE");
    const model = findModel(modelName);
    if (!model) throw new InputError(`unknown GPU model "${modelName}"; \`bench profiles\` lists the known ones`);
    const gpus = args.gpus as number;
    if (!Number.isInteger(gpus) || gpus < 1 || gpus > 16) throw new InputError("--gpus must be a whole number from 1 to 16");
    const driver = args.driver as string | undefined;
    await initSimState({ model: model.id, gpus, file: path.resolve(state), ...(driver ? { driverVersion: driver } : {}) });
    process.stdout.write(`${path.resolve(state)}: ${gpus} x simulated ${model.id}\n`);
    process.stderr.write(`use it with: export MIGBENCH_SIM_STATE=${path.resolve(state)} PATH=${simBinDir()}:$PATH\n`);
  },
});
