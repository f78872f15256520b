// CLI start: `bench --help` and `bench validate` of one scenario, above `node -e 0` (Node's own start-up).
import path from "node:path";
import { benchBin, fmt, interleaved, median, root, row, timed } from "./lib.js";

const TARGET_MS = 300;
const LIBRARIES = 'await import("yargs"); await import("zod"); await import("yaml");';

export async function cliStart({ quick }) {
  const runs = quick ? 5 : 15;
  const scenario = path.join(root, "scenarios", "quickstart.yaml");
  const times = await interleaved(runs, {
    node: async () => (await timed(process.execPath, ["-e", "0"])).ms,
    help: async () => (await timed(process.execPath, [benchBin, "--help"])).ms,
    validate: async () => (await timed(process.execPath, [benchBin, "validate", scenario])).ms,
    // What `validate` cannot do without: the three libraries it parses arguments, YAML and the schema with.
    libraries: async () => (await timed(process.execPath, ["--input-type=module", "-e", LIBRARIES])).ms,
  });
  const base = median(times.node);
  const above = (name) => median(times[name]) - base;
  return [
    row("CLI start: `bench --help`", `node -e 0: ${fmt.ms(base)}`, `+${fmt.ms(above("help"))}`, `< +${TARGET_MS} ms`, above("help") < TARGET_MS, `median of ${runs}`),
    row("CLI start: `bench validate` one file", `node -e 0: ${fmt.ms(base)}`, `+${fmt.ms(above("validate"))}`, `< +${TARGET_MS} ms`, above("validate") < TARGET_MS, `median of ${runs}`),
    row("CLI start floor: importing yargs, zod and yaml", `node -e 0: ${fmt.ms(base)}`, `+${fmt.ms(above("libraries"))}`, "-", null, "no migbench code: what validate's dependencies alone cost"),
  ];
}
