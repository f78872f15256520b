/** The live view: in place on a terminal, plain lines elsewhere; and the cleanup list a second Ctrl-C prints. */
import { describe, expect, it } from "vitest";
import { CleanupTracker } from "../../src/runner/cleanup-tracker.js";
import { LiveView } from "../../src/runner/live-view.js";

const T0 = Date.UTC(2026, 10, 25, 14, 0, 0);

function setup(tty: boolean) {
  const writes: string[] = [];
  let now = T0;
  const view = new LiveView({ write: (text: string) => writes.push(text), columns: 80 }, { tty, refreshMs: 0, now: () => now });
  return { view, writes, tick: (ms: number) => (now += ms), at: () => new Date(now) };
}

// Built from a variable: the escape character in a regex literal reads as a mistake to linters.
const ESC = "\u001b";
const ERASE_SPLIT = new RegExp(`(${ESC}\\[\\d+F${ESC}\\[J)`);
const ERASE = new RegExp(`^${ESC}\\[(\\d+)F${ESC}\\[J$`);

/** What a terminal would show: applies "cursor up n lines" + "clear below" to the text written so far. */
function screen(writes: readonly string[]): string[] {
  const lines: string[] = [""];
  for (const text of writes) {
    for (const part of text.split(ERASE_SPLIT)) {
      const move = ERASE.exec(part);
      if (move) {
        lines.splice(lines.length - 1 - Number(move[1]), Number(move[1]) + 1, "");
        continue;
      }
      const pieces = part.split("\n");
      lines[lines.length - 1] = `${lines.at(-1) ?? ""}${pieces[0] ?? ""}`;
      for (const piece of pieces.slice(1)) lines.push(piece);
    }
  }
  return lines.slice(0, -1);
}

describe("live view", () => {
  it("keeps one line per instance under the scrolling progress lines on a terminal", () => {
    const { view, writes, tick, at } = setup(true);
    view.line("run r1: 2 instance(s)");
    view.event({ kind: "group", label: "repetition 1/1", instances: [{ id: "matmul.1", device: "gi0.ci0" }, { id: "matmul.2", device: "gi1.ci0" }], at: at() });
    view.event({ kind: "state", id: "matmul.1", state: "running", at: at() });
    tick(100);
    view.event({ kind: "state", id: "matmul.2", state: "running", at: at() });
    tick(2400);
    view.event({ kind: "metric", id: "matmul.1", role: "throughput", value: 675.4321, unit: "items/s", at: at() });
    expect(screen(writes)).toEqual([
      "[14:00:00.000] run r1: 2 instance(s)",
      "  matmul.1  gi0.ci0  running       2.5 s  throughput 675.4 items/s",
      "  matmul.2  gi1.ci0  running       2.4 s",
    ]);
    view.line("a progress line scrolls above the block");
    view.event({ kind: "outcome", id: "matmul.2", status: "failed", durationSeconds: 2.4, at: at() });
    tick(1000);
    view.event({ kind: "state", id: "matmul.1", state: "exited", at: at() });
    expect(screen(writes)).toEqual([
      "[14:00:00.000] run r1: 2 instance(s)",
      "[14:00:02.500] a progress line scrolls above the block",
      "  matmul.1  gi0.ci0  exited        3.5 s  throughput 675.4 items/s",
      "  matmul.2  gi1.ci0  failed        2.4 s",
    ]);
    view.close();
    expect(screen(writes)).toEqual(["[14:00:00.000] run r1: 2 instance(s)", "[14:00:02.500] a progress line scrolls above the block"]);
  });

  it("prints plain timestamped lines, no cursor movements, when not on a terminal", () => {
    const { view, writes, at } = setup(false);
    view.line("run r1: 1 instance(s)");
    view.event({ kind: "group", label: "repetition 1/1", instances: [{ id: "a.1", device: "gpu" }], at: at() });
    view.event({ kind: "state", id: "a.1", state: "running", at: at() });
    view.event({ kind: "state", id: "a.1", state: "stopping", at: at() });
    view.close();
    expect(writes).toEqual(["[14:00:00.000] run r1: 1 instance(s)\n", "[14:00:00.000]   a.1: stopping\n"]);
  });
});

describe("cleanup tracker", () => {
  it("lists what is still being cleaned, oldest first", () => {
    const tracker = new CleanupTracker();
    expect(tracker.describe()).toBe("still finishing: writing what was measured");
    const endA = tracker.begin("container a (m.1)");
    tracker.begin("restoring the GPU (7 device(s) to tear down)");
    expect(tracker.describe()).toBe("still cleaning up: container a (m.1), restoring the GPU (7 device(s) to tear down)");
    endA();
    endA();
    expect(tracker.inProgress()).toEqual(["restoring the GPU (7 device(s) to tear down)"]);
  });
});
