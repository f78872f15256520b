/**
 * Where migbench keeps what must outlive a process: GPU locks and change journals. `MIGBENCH_STATE_DIR`
 * when set (tests always set it), else `$XDG_STATE_HOME/migbench`, else `~/.local/state/migbench`.
 * On a host shared by several users, point every user's MIGBENCH_STATE_DIR at one shared folder, so
 * that their runs see each other's locks.
 */
import os from "node:os";
import path from "node:path";

export const STATE_DIR_ENV = "MIGBENCH_STATE_DIR";

export function stateDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const explicit = env[STATE_DIR_ENV];
  if (explicit) return path.resolve(explicit);
  const xdg = env.XDG_STATE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, "migbench");
  return path.join(os.homedir(), ".local", "state", "migbench");
}

export const locksDir = (root: string): string => path.join(root, "locks");
export const journalsDir = (root: string): string => path.join(root, "journals");
/** Journals of layouts applied by hand (`bench partition apply`) and left in place on purpose. */
export const keptJournalsDir = (root: string): string => path.join(root, "journals", "kept");
/** Journals whose changes were all undone; kept as a record. */
export const closedJournalsDir = (root: string): string => path.join(root, "journals", "closed");
