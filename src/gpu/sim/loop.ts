/**
 * The state as a looping `nvidia-smi -lms N` sees it: read and validated again only when the file changed.
 * At 10 Hz, reading and validating the JSON state was about half of each tick's work (`--cpu-prof` of
 * the loop); a `stat` per tick is what a change costs to notice. Mutating commands replace
 * the file by a rename (a new inode) and faults counted per call rewrite it, so either shows here.
 * The state kept is frozen: every tick reuses it, so no command may change it, and figures derived from
 * it may be kept as long as it is (telemetry.ts).
 */
import { statSync } from "node:fs";
import type { StateSource } from "./run.js";
import { readSimState, type SimState } from "./state.js";

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export function cachedStateSource(): StateSource {
  let cached: { ino: number; size: number; mtimeMs: number; ctimeMs: number; state: SimState } | undefined;
  const read = (file: string): SimState => {
    const stat = statSync(file, { throwIfNoEntry: false });
    // A missing file: the fresh read reports it in the tool's words.
    if (!stat) return readSimState(file);
    if (cached && cached.ino === stat.ino && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs && cached.ctimeMs === stat.ctimeMs) return cached.state;
    // Stat before read: the state read is at least as new as the identity it is kept under.
    const state = deepFreeze(readSimState(file));
    cached = { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, state };
    return state;
  };
  return { read, mayFault: (file) => (read(file).faults?.length ?? 0) > 0 };
}
