/**
 * Reading a run directory's many small data files (a samples file per execution: 7,000 of them for 10
 * cases of 7 instances and 100 repetitions). Each is read whole, synchronously: four system calls, where
 * a stream or the promise API costs a round trip through the thread pool per call and a 64 KiB buffer per
 * stream, five times the time in all for files of a few KiB.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/** Larger files are left to the caller to stream, so that memory stays bounded. */
export const WHOLE_FILE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The text of a data file inside a run directory, or null when it is larger than `maxBytes`. As with
 * `openRunDataFile`, a link (to /dev/zero, to a file outside) or anything but a regular file (a FIFO) is
 * refused: the file is opened without following a link and without blocking, and checked before reading.
 */
export function readRunDataText(file: string, maxBytes = WHOLE_FILE_MAX_BYTES): string | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") throw new Error("is a symbolic link; run directories hold regular files only", { cause: error });
    throw error;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new Error("not a regular file");
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
