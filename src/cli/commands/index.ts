import { cleanupCommand } from "./cleanup.js";
import { compareCommand } from "./compare.js";
import { gpusCommand } from "./gpus.js";
import { importCommand } from "./import.js";
import { parseCommand } from "./parse.js";
import { partitionCommand } from "./partition.js";
import { planCommand } from "./plan.js";
import { profilesCommand } from "./profiles.js";
import { reportCommand } from "./report.js";
import { runCommand } from "./run.js";
import { schemaCommand } from "./schema.js";
import { simCommand } from "./sim.js";
import type { CommandFactory } from "./types.js";
import { validateCommand } from "./validate.js";

/** Every `bench` command, in the order `bench --help` lists them. */
export const COMMANDS: readonly CommandFactory[] = [
  runCommand,
  validateCommand,
  planCommand,
  reportCommand,
  compareCommand,
  parseCommand,
  importCommand,
  profilesCommand,
  schemaCommand,
  simCommand,
  gpusCommand,
  partitionCommand,
  cleanupCommand,
];
