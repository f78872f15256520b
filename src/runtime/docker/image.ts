/**
 * Images: a local image is used as it is; a missing one is pulled, with its progress told as it goes.
 * Either way the engine's image ID and repo digests are recorded, so that a result names exactly what ran
 * (a tag such as `:latest` does not).
 */
import { engineMessage, type Engine, type ImageInfo, type PullEvent } from "./engine.js";
import type { ImageRecord } from "../types.js";

/** Progress is told at most this often: a pull of a large image sends thousands of records. */
const NOTICE_INTERVAL_MS = 2_000;

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

/**
 * Sums a pull's progress records into one line: layers done of layers seen, bytes downloaded of bytes
 * known. Layers report "Downloading" with byte counts, then "Download complete", "Extracting", "Pull
 * complete"; "Already exists" layers count as done.
 */
export class PullProgress {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>();

  constructor(private readonly ref: string) {}

  push(event: PullEvent): void {
    const { id, status } = event;
    // Records without an id are about the whole pull ("Pulling from ...", "Digest: ...", "Status: ...").
    if (!id || !status || id === this.ref.split(":").pop()) return;
    const layer = this.layers.get(id) ?? { current: 0, total: 0, done: false };
    if (status === "Downloading") {
      layer.current = event.progressDetail?.current ?? layer.current;
      layer.total = event.progressDetail?.total ?? layer.total;
    } else if (status === "Download complete") {
      layer.current = layer.total;
    } else if (status === "Pull complete" || status === "Already exists") {
      layer.current = layer.total;
      layer.done = true;
    }
    this.layers.set(id, layer);
  }

  describe(): string {
    const layers = [...this.layers.values()];
    const done = layers.filter((l) => l.done).length;
    const current = layers.reduce((sum, l) => sum + l.current, 0);
    const total = layers.reduce((sum, l) => sum + l.total, 0);
    const bytes = total > 0 ? `, ${mib(current)} of ${mib(total)}` : "";
    return `pulling ${this.ref}: ${done}/${layers.length} layers${bytes}`;
  }
}

/** An image as the runtime needs it: what to record, and the entrypoint a start gate must exec. */
export interface ResolvedImage {
  readonly record: ImageRecord;
  readonly entrypoint: readonly string[];
}

export function resolvedImage(ref: string, info: ImageInfo): ResolvedImage {
  const entrypoint = info.Config?.Entrypoint ?? [];
  return {
    record: { ref, id: info.Id, digests: [...(info.RepoDigests ?? [])] },
    // The engine stores a shell-form ENTRYPOINT as a string in old API versions.
    entrypoint: typeof entrypoint === "string" ? ["/bin/sh", "-c", entrypoint] : [...entrypoint],
  };
}

export interface EnsureImageOptions {
  /** Pull when the image is not present locally. */
  readonly pull: boolean;
  readonly onNotice?: (message: string) => void;
  /** Clock for the notice interval; tests pass their own. */
  readonly now?: () => number;
}

/** The local image, pulled first when missing. Rejects with a message that names the image. */
export async function ensureImage(engine: Engine, ref: string, options: EnsureImageOptions): Promise<ResolvedImage> {
  const local = await engine.inspectImage(ref);
  if (local) return resolvedImage(ref, local);
  if (!options.pull) throw new Error(`image ${ref} is not present on the Docker engine, and pulling is off`);
  const notice = options.onNotice ?? (() => undefined);
  const now = options.now ?? Date.now;
  const progress = new PullProgress(ref);
  notice(`image ${ref} is not present locally: pulling it`);
  let lastNotice = now();
  try {
    await engine.pullImage(ref, (event) => {
      progress.push(event);
      if (now() - lastNotice >= NOTICE_INTERVAL_MS) {
        lastNotice = now();
        notice(progress.describe());
      }
    });
  } catch (error) {
    throw new Error(`pulling image ${ref} failed: ${engineMessage(error)}`, { cause: error });
  }
  notice(`${progress.describe()}: done`);
  const pulled = await engine.inspectImage(ref);
  if (!pulled) throw new Error(`image ${ref} was pulled but the engine does not know it`);
  return resolvedImage(ref, pulled);
}
