/**
 * Atomic file writes. A run can be killed at any moment (Ctrl-C, a CI timeout, OOM); a reader must
 * then find either the previous manifest or the new one, never half of one. So every JSON file of a
 * run directory is written to a temporary file in the same directory (rename is only atomic within a
 * file system), flushed to disk, and renamed over the target.
 */
import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** The temporary name: hidden, and recognisable as ours should a crash leave one behind. */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** Writes `data` to `path` so that readers see the old content or the new, never a partial file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(path);
  // `wx`: fail rather than clobber should the random name ever exist.
  const handle = await open(temp, "wx", 0o644);
  try {
    try {
      await handle.writeFile(data);
      // Without fsync a power loss after the rename can leave an empty file under the final name.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** Makes the rename itself durable. Best effort: some platforms cannot open a directory for fsync. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Not fatal: the data is on disk; only the directory entry might be lost on a power cut.
  } finally {
    await handle?.close();
  }
}

/** JSON as every run file is written: two-space indentation and a final newline, atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
