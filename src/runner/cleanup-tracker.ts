/**
 * What is being cleaned up right now: runtimes and the runner add an entry when they begin stopping a
 * container or restoring the GPU and remove it when done, so that a second Ctrl-C can say what the
 * harness is still waiting for instead of a vague "please wait".
 */
import type { CleanupLog } from "../runtime/types.js";

export class CleanupTracker implements CleanupLog {
  private readonly pending = new Map<number, string>();
  private next = 0;

  begin(what: string): () => void {
    const id = this.next++;
    this.pending.set(id, what);
    return () => {
      this.pending.delete(id);
    };
  }

  /** The cleanups in progress, oldest first. */
  inProgress(): string[] {
    return [...this.pending.values()];
  }

  /** One line for the person pressing Ctrl-C again. */
  describe(): string {
    const items = this.inProgress();
    if (items.length === 0) return "still finishing: writing what was measured";
    const shown = items.slice(0, 8);
    return `still cleaning up: ${shown.join(", ")}${items.length > shown.length ? `, and ${items.length - shown.length} more` : ""}`;
  }
}
