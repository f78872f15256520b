import type { CommandModule } from "yargs";

/** Each command gets a way to raise the process exit code without throwing. */
export type CommandFactory = (setExit: (code: number) => void) => CommandModule;
