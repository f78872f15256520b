/**
 * A start gate for a group of containers: a fair start even though the engine starts containers one after
 * another (half a second to seconds for seven on a busy host, while the first ones would already be
 * running their workload and taking the CPU the engine needs to start the rest).
 *
 * Each container's entrypoint becomes a shell that blocks reading one line from a FIFO shared through a
 * read-only bind mount, then execs the real entrypoint and command (so the workload is still PID 1 and
 * sees exactly what `docker run IMAGE COMMAND` would give it). Once every container runs, the harness
 * writes one line per container in a single write: all are released within the same instant.
 *
 * The harness holds the FIFO open read-write from before the first container starts, so a shell opening it
 * never blocks on the open, a shell that comes late still finds its line in the pipe, and closing it
 * without writing (cancellation) gives every waiting shell end-of-file, which ends it.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { closeSync, constants, openSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";

/** Where the gate's folder appears inside the container. */
export const GATE_MOUNT = "/.migbench-gate";
const FIFO = "go";

/**
 * The entrypoint that waits at the gate: `$0` is a name for `ps`, `$@` the image's entrypoint and the
 * command. Exit 125 (Docker's "the container command did not run") when the gate closed without a line.
 */
export function gatedEntrypoint(): string[] {
  return ["/bin/sh", "-c", `read -r _ < ${GATE_MOUNT}/${FIFO} || exit 125; exec "$@"`, "migbench-start-gate"];
}

export class StartGate {
  private fd: number | null;

  private constructor(
    readonly hostDir: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** A folder holding the FIFO, readable by any user a container may run as. */
  static async create(): Promise<StartGate> {
    const dir = await mkdtemp(path.join(tmpdir(), "migbench-gate-"));
    try {
      await chmod(dir, 0o755);
      // Node has no mkfifo; coreutils' is on every Linux host that runs Docker.
      await execa("mkfifo", ["-m", "0644", path.join(dir, FIFO)]);
      // O_RDWR: never blocks on a FIFO (Linux), and keeps a writer present until release or close.
      return new StartGate(dir, openSync(path.join(dir, FIFO), constants.O_RDWR | constants.O_NONBLOCK));
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Lets `count` waiting containers through at once; returns the moment of release. */
  release(count: number): Date {
    const at = new Date();
    // One write of at most PIPE_BUF bytes is atomic: every reader can have its line at once.
    if (this.fd !== null && count > 0) writeSync(this.fd, "\n".repeat(count));
    return at;
  }

  /** Closes the FIFO (containers still waiting get end-of-file and exit) and removes the folder. */
  async close(): Promise<void> {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    await rm(this.hostDir, { recursive: true, force: true });
  }
}
