/**
 * The run directory: `<root>/<YYYYMMDD-HHMMSS>-<scenario>-<hex>/` holding `manifest.json`, per execution
 * `logs/rep<NN>/<instance>.log` (raw log), `samples/rep<NN>/<instance>.jsonl` (parsed samples) and
 * `metrics/rep<NN>/<instance>.json` (the parser's final values and problems), and `telemetry/*.csv`.
 * Creating one, naming its files, writing and reading its manifest. docs/results-format.md describes it.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, createReadStream, fstatSync, mkdirSync, openSync, readSync, type ReadStream } from "node:fs";
import { lstat, mkdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { writeJsonAtomic } from "./atomic.js";
import { ManifestError, parseManifest, validateManifest, type RunManifest } from "./manifest.js";

export const MANIFEST_FILE = "manifest.json";
export const LOGS_DIR = "logs";
export const SAMPLES_DIR = "samples";
export const METRICS_DIR = "metrics";
export const TELEMETRY_DIR = "telemetry";

export interface RunDir {
  /** The directory's name, also the manifest's `runId`. */
  readonly id: string;
  /** Absolute path. */
  readonly dir: string;
  /** Absolute path of an execution's log; creates its folder. `logRelativePath` gives the manifest's form. */
  logPath(repetition: number, instanceId: string): string;
  /** Absolute path of an execution's file of another kind (samples, metrics); creates its folder. */
  executionPath(kind: ExecutionFileKind, repetition: number, instanceId: string): string;
  /** Validates, then writes `manifest.json` atomically. */
  writeManifest(manifest: RunManifest): Promise<void>;
}

/** Characters allowed in a path segment we build; everything else becomes `-`. */
const UNSAFE = /[^A-Za-z0-9._-]+/g;
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_NAME = 64;

/**
 * A scenario name reduced to one harmless path segment. Scenario names are already identifiers, but run
 * directories are also made from names typed on a command line, so nothing here may contain a separator
 * or be `.`/`..`.
 */
export function sanitizeName(name: string): string {
  const cleaned = name
    .replace(UNSAFE, "-")
    .replace(/^[.-]+/, "")
    .replace(/[.-]+$/, "")
    .slice(0, MAX_NAME)
    .replace(/[.-]+$/, "");
  return cleaned === "" ? "run" : cleaned;
}

/** `20250131-235959`, in UTC so that runs from machines in different zones sort together. */
export function formatRunTimestamp(date: Date): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, "0");
  return (
    `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}-` +
    `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`
  );
}

/** The files kept per execution: folder and extension. */
const EXECUTION_FILES = {
  log: { dir: LOGS_DIR, ext: "log" },
  samples: { dir: SAMPLES_DIR, ext: "jsonl" },
  metrics: { dir: METRICS_DIR, ext: "json" },
} as const;

export type ExecutionFileKind = keyof typeof EXECUTION_FILES;

/** `samples/rep00/bert-base-squad.1.jsonl`: a per-execution file, relative to the run directory. */
export function executionRelativePath(kind: ExecutionFileKind, repetition: number, instanceId: string): string {
  if (!Number.isInteger(repetition) || repetition < 0) throw new RangeError(`repetition must be a non-negative integer, got ${repetition}`);
  if (!SAFE_SEGMENT.test(instanceId)) throw new RangeError(`instance id '${instanceId}' cannot be used as a file name`);
  const { dir, ext } = EXECUTION_FILES[kind];
  return `${dir}/rep${String(repetition).padStart(2, "0")}/${instanceId}.${ext}`;
}

/** `logs/rep00/bert-base-squad.1.log`: the form stored in `executions[].log`. */
export function logRelativePath(repetition: number, instanceId: string): string {
  return executionRelativePath("log", repetition, instanceId);
}

function runDirHandle(id: string, dir: string): RunDir {
  return {
    id,
    dir,
    logPath(repetition, instanceId) {
      return this.executionPath("log", repetition, instanceId);
    },
    executionPath(kind, repetition, instanceId) {
      const path = join(dir, ...executionRelativePath(kind, repetition, instanceId).split("/"));
      // Synchronous on purpose: callers open a stream on the path right away.
      mkdirSync(dirname(path), { recursive: true });
      return path;
    },
    async writeManifest(manifest) {
      const file = join(dir, MANIFEST_FILE);
      await writeJsonAtomic(file, validateManifest(manifest, file));
    },
  };
}

/** How many names to try before giving up; two runs colliding on second and 16 random bits is already rare. */
const CREATE_ATTEMPTS = 8;

/** Creates a fresh, uniquely named run directory under `root` (created if missing). */
export async function createRunDir(root: string, scenarioName: string, now: Date = new Date()): Promise<RunDir> {
  const { id, dir } = await createUniqueDir(root, scenarioName, now);
  return runDirHandle(id, dir);
}

/** Creates `<root>/<timestamp>-<name>-<random>` (root created if missing); never reuses an existing folder. */
export async function createUniqueDir(root: string, name: string, now: Date = new Date()): Promise<{ id: string; dir: string }> {
  const base = resolve(root);
  await mkdir(base, { recursive: true });
  const prefix = `${formatRunTimestamp(now)}-${sanitizeName(name)}`;
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
    const id = `${prefix}-${randomBytes(2).toString("hex")}`;
    const dir = join(base, id);
    // Belt and braces: the sanitized name has no separator, but never create anything outside root.
    if (dirname(dir) !== base || basename(dir) !== id) throw new Error(`run directory name '${id}' would leave ${base}`);
    try {
      await mkdir(dir); // not recursive: an existing directory must fail, not be reused
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw error;
    }
    return { id, dir };
  }
  throw new Error(`could not find a free run directory name under ${base} for '${prefix}'`);
}

/** 256 MiB: a thousand repetitions of 64 copies on 7 devices stay below it. */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/** Reads and validates `<dir>/manifest.json` (or the file itself when given). */
export async function readRun(dir: string): Promise<RunManifest> {
  const file = basename(dir) === MANIFEST_FILE ? resolve(dir) : resolve(dir, MANIFEST_FILE);
  let text: string;
  try {
    // A FIFO or a device (a symlink to /dev/zero in a copied folder) would block or never end; a huge
    // file would be read whole: refused before reading.
    const info = await stat(file);
    if (!info.isFile()) throw new ManifestError(file, ["not a regular file"]);
    if (info.size > MAX_MANIFEST_BYTES) throw new ManifestError(file, [`${info.size} bytes: larger than any run manifest (at most ${MAX_MANIFEST_BYTES} are read)`]);
    text = await readFile(file, "utf8");
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new ManifestError(file, ["not found: is this a run directory?"]);
    throw new ManifestError(file, [`cannot be read: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  return parseManifest(raw, file);
}

const LINK_REFUSED = "is a symbolic link; run directories hold regular files only";
const NOT_REGULAR = "not a regular file";

/**
 * A read stream of a data file inside a run directory (samples, telemetry). A run directory may come from
 * anyone: a link (to /dev/zero, to a file outside) or a FIFO would make a report read forever, so only a
 * regular file, not a link, is opened.
 */
export async function openRunDataFile(file: string): Promise<ReadStream> {
  const info = await lstat(file);
  if (info.isSymbolicLink()) throw new Error(LINK_REFUSED);
  if (!info.isFile()) throw new Error(NOT_REGULAR);
  return createReadStream(file, { encoding: "utf8" });
}

/** Larger data files are left to `openRunDataFile`'s stream, so that memory stays bounded. */
export const WHOLE_FILE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The text of a data file inside a run directory, read whole, or null when it is larger than `maxBytes`.
 * For the many small files of a report (a samples file per execution: 7,000 for 10 cases of 7 instances
 * and 100 repetitions): four system calls, where a stream costs a thread-pool round trip per call and a
 * 64 KiB buffer. The same refusals as `openRunDataFile`, checked on the open file: it is opened without
 * following a link and without blocking (a FIFO), then checked before reading.
 */
export function readRunDataText(file: string, maxBytes = WHOLE_FILE_MAX_BYTES): string | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") throw new Error(LINK_REFUSED, { cause: error });
    throw error;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new Error(NOT_REGULAR);
    if (info.size > maxBytes) return null;
    const buffer = Buffer.allocUnsafe(info.size);
    let length = 0;
    // A file that shrank since fstat ends early; one that grew is read as it was.
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, length);
      if (n === 0) break;
      length += n;
    }
    return buffer.toString("utf8", 0, length);
  } finally {
    closeSync(fd);
  }
}
