/** The `bench` command line: thin yargs commands over the modules; errors become documented exit codes. */
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { EXIT, isSystemError, MigbenchError } from "../errors.js";
import { packageIdentity } from "../package-root.js";
import { COMMANDS } from "./commands/index.js";

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number): void => {
    exitCode = Math.max(exitCode, code);
  };
  const parser = yargs(argv)
    .scriptName("bench")
    .usage("$0 <command> [options]\n\nBenchmark harness for GPU sharing studies: MIG slices, full GPU, serial.")
    .strict()
    .demandCommand(1, "name a command; `bench --help` lists them")
    .recommendCommands()
    .help()
    .alias("h", "help")
    // Given, not guessed: yargs' guess searches the folders above the program for a package.json.
    .version(packageIdentity().version)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      throw error ?? new MigbenchError(message, EXIT.badInput);
    });
  for (const command of COMMANDS) parser.command(command(setExit));
  // A reader that goes away early (`bench parse log | head`) ends the output, not the command: a run still
  // restores its GPU and writes its results. Node drops what is written after the pipe closed.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
  try {
    await parser.parseAsync();
  } catch (error) {
    if (error instanceof MigbenchError) {
      process.stderr.write(`bench: ${error.message}\n`);
      if (error.exitCode === EXIT.badInput && !error.message.includes("\n")) process.stderr.write("Run `bench --help` for usage.\n");
      return error.exitCode;
    }
    if (isSystemError(error)) {
      process.stderr.write(`bench: ${error.message}\n`);
      return EXIT.environment;
    }
    throw error;
  }
  return exitCode;
}

process.exitCode = await main(hideBin(process.argv));
