/**
 * The journal of one partitioning session on one GPU: a JSON-lines file, appended and flushed to disk
 * BEFORE each change (intent) and after it (done or failed), starting with the snapshot to restore.
 * After a kill -9, a crash or a power cut, `bench cleanup` reads it back (validated line by line; a line
 * cut short by the crash is ignored) and knows what the session may have changed.
 *
 * Open journals live in `journals/`; when every change was undone they move to `journals/closed/`; a
 * layout applied by hand and left in place on purpose moves its journal to `journals/kept/`, where
 * `bench partition reset` finds what migbench created.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { GpuRef } from "./lock.js";
import { ProcessOwner } from "./owner.js";
import { closedJournalsDir, journalsDir, keptJournalsDir } from "./state-dir.js";
import { GpuSnapshot } from "./types.js";

const id = z.number().int().nonnegative();

/** A change to the GPU, as data. */
export const Action = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("set-mig-mode"), enabled: z.boolean() }),
  z.object({ kind: z.literal("reset-gpu") }),
  z.object({ kind: z.literal("create-gpu-instances"), profileIds: z.array(id).min(1), withDefaultCi: z.boolean() }),
  z.object({ kind: z.literal("create-compute-instances"), giId: id, profileIds: z.array(id) }),
  z.object({ kind: z.literal("destroy-compute-instances"), giIds: z.array(id).min(1) }),
  z.object({ kind: z.literal("destroy-gpu-instances"), giIds: z.array(id).min(1) }),
]);
export type Action = z.infer<typeof Action>;

/** Instances a create reported (also from the output of a create that failed part-way). */
export const Created = z.object({
  gpuInstances: z.array(z.object({ giId: id, profileId: id })),
  computeInstances: z.array(z.object({ giId: id, ciId: id.optional(), profileId: id })),
});
export type Created = z.infer<typeof Created>;

export const Purpose = z.enum(["run", "partition"]);
export type Purpose = z.infer<typeof Purpose>;

const at = z.string();
/** restored: every change undone; kept: a layout left in place on purpose; reset: instances destroyed by `partition reset --force`. */
export const JournalOutcome = z.enum(["restored", "kept", "nothing-changed", "reset"]);
export type JournalOutcome = z.infer<typeof JournalOutcome>;
export const JournalRecord = z.discriminatedUnion("type", [
  z.object({ type: z.literal("begin"), version: z.literal(1), at, owner: ProcessOwner, gpu: GpuRef, purpose: Purpose, wanted: z.string(), snapshot: GpuSnapshot }),
  z.object({ type: z.literal("intent"), at, step: id, action: Action, command: z.string() }),
  z.object({ type: z.literal("done"), at, step: id, created: Created.optional(), message: z.string().optional() }),
  z.object({ type: z.literal("failed"), at, step: id, error: z.string(), created: Created.optional() }),
  z.object({ type: z.literal("note"), at, text: z.string() }),
  z.object({ type: z.literal("end"), at, outcome: JournalOutcome }),
]);
export type JournalRecord = z.infer<typeof JournalRecord>;
export type BeginRecord = Extract<JournalRecord, { type: "begin" }>;

export interface JournalContents {
  readonly file: string;
  readonly begin: BeginRecord;
  readonly records: readonly JournalRecord[];
  /** Lines that could not be read (a write cut short by a crash, or damage), with why. */
  readonly unreadable: readonly string[];
}

const now = (): string => new Date().toISOString();
const compactTime = (iso: string): string => iso.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]/g, "_");

/** Appends one line and flushes it to disk before returning. */
function appendDurably(file: string, record: JournalRecord): void {
  const fd = openSync(file, "a");
  try {
    writeSync(fd, JSON.stringify(record) + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class Journal {
  private step: number;

  private constructor(
    public file: string,
    readonly root: string,
    lastStep: number,
  ) {
    this.step = lastStep;
  }

  static create(root: string, begin: Omit<BeginRecord, "type" | "version" | "at">): Journal {
    const dir = journalsDir(root);
    mkdirSync(dir, { recursive: true });
    const started = now();
    const file = path.join(dir, `${compactTime(started)}-${safe(begin.owner.runId)}-${safe(begin.gpu.uuid)}.jsonl`);
    try {
      appendDurably(file, { type: "begin", version: 1, at: started, ...begin });
    } catch (error) {
      // Nothing has been changed yet: a journal without its first record would only puzzle `bench cleanup`.
      rmSync(file, { force: true });
      throw error;
    }
    return new Journal(file, root, 0);
  }

  /** Continues an existing journal (cleanup and reset append their own steps to it). */
  static resume(root: string, contents: JournalContents): Journal {
    const last = Math.max(0, ...contents.records.map((r) => ("step" in r ? r.step : 0)));
    return new Journal(contents.file, root, last);
  }

  /** Writes the intent to disk; the change may only start after this returns. */
  intent(action: Action, command: string): number {
    this.step++;
    appendDurably(this.file, { type: "intent", at: now(), step: this.step, action, command });
    return this.step;
  }

  done(step: number, details: { created?: Created; message?: string } = {}): void {
    appendDurably(this.file, { type: "done", at: now(), step, ...details });
  }

  failed(step: number, error: string, created?: Created): void {
    appendDurably(this.file, { type: "failed", at: now(), step, error, ...(created ? { created } : {}) });
  }

  note(text: string): void {
    appendDurably(this.file, { type: "note", at: now(), text });
  }

  /** Ends the journal: `kept` moves it to kept/, every other outcome to closed/. */
  finish(outcome: JournalOutcome): void {
    appendDurably(this.file, { type: "end", at: now(), outcome });
    const dir = outcome === "kept" ? keptJournalsDir(this.root) : closedJournalsDir(this.root);
    mkdirSync(dir, { recursive: true });
    const target = path.join(dir, path.basename(this.file));
    renameSync(this.file, target);
    this.file = target;
    if (outcome !== "kept") pruneClosedJournals(dir);
  }
}

/** Closed journals kept as a record: the newest this many. A nightly harness adds one per run, forever otherwise. */
export const CLOSED_JOURNALS_KEPT = 100;

/** Removes all but the newest CLOSED_JOURNALS_KEPT closed journals (names start with their UTC time). */
function pruneClosedJournals(dir: string): void {
  const names = readdirSync(dir)
    .filter((n) => n.endsWith(".jsonl"))
    .sort();
  for (const name of names.slice(0, Math.max(0, names.length - CLOSED_JOURNALS_KEPT))) rmSync(path.join(dir, name), { force: true });
}

export function readJournal(file: string): JournalContents {
  const lines = readFileSync(file, "utf8").split("\n");
  const records: JournalRecord[] = [];
  const unreadable: string[] = [];
  lines.forEach((line, k) => {
    if (line.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      unreadable.push(`line ${k + 1}: not JSON (cut short?)`);
      return;
    }
    const parsed = JournalRecord.safeParse(json);
    if (parsed.success) records.push(parsed.data);
    else unreadable.push(`line ${k + 1}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  });
  const begin = records[0];
  if (!begin || begin.type !== "begin") throw new Error(`${file}: not a migbench journal (no begin record${unreadable.length > 0 ? `; ${unreadable.join("; ")}` : ""})`);
  return { file, begin, records, unreadable };
}

/** Journal files in `dir` (not recursive), oldest first (their names start with the time). */
export function journalFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith(".jsonl"))
      .sort()
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

export const openJournalFiles = (root: string): string[] => journalFiles(journalsDir(root));
export const keptJournalFiles = (root: string): string[] => journalFiles(keptJournalsDir(root));
