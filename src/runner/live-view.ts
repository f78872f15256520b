/**
 * What a person watching `bench run` sees. On a terminal: the progress lines scroll as usual, and below
 * them one line per instance of the running group (state, elapsed time, last metric), redrawn in place.
 * Anywhere else (a CI log, a file): plain timestamped lines only, because cursor movements would turn a
 * log into noise.
 */
import type { InstanceState, InstanceStatus } from "../runtime/types.js";
import type { RunEvent } from "./events.js";

export interface LiveOutput {
  write(text: string): unknown;
  /** Terminal width; lines are cut to it so that a wrapped line cannot break the redraw. */
  readonly columns?: number;
}

export interface LiveViewOptions {
  /** Redraw in place (a terminal) or print plain lines. */
  readonly tty: boolean;
  /** How often elapsed times are refreshed on a terminal. Default 500 ms; 0: only on events. */
  readonly refreshMs?: number;
  readonly now?: () => number;
}

interface Row {
  readonly id: string;
  readonly device: string;
  state: InstanceState | "waiting";
  startedAt: number | null;
  endedAt: number | null;
  status: InstanceStatus | null;
  metric: string | null;
}

/** ESC [ n F: cursor to the start of the line n lines up; ESC [ J: clear to the end of the screen. */
const up = (n: number) => `\u001b[${n}F`;
const CLEAR_BELOW = "\u001b[J";

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);

function elapsed(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.floor(seconds % 60);
  return m < 60 ? `${m}m${String(s).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export class LiveView {
  private rows: Row[] = [];
  /** Lines of the instance block currently on screen. */
  private drawn = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(
    private readonly out: LiveOutput,
    private readonly options: LiveViewOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** A progress line: timestamped; on a terminal it scrolls above the instance block. */
  line(text: string): void {
    const stamped = `[${clock(this.now())}] ${text}\n`;
    if (!this.options.tty) {
      this.out.write(stamped);
      return;
    }
    this.out.write(this.erase() + stamped + this.block());
  }

  event(event: RunEvent): void {
    if (!this.options.tty) {
      // Plain logs get the moments that matter for reading a failure afterwards; the rest is in the run.
      if (event.kind === "state" && event.state === "stopping") this.line(`  ${event.id}: stopping`);
      return;
    }
    switch (event.kind) {
      case "group":
        this.rows = event.instances.map((i) => ({ id: i.id, device: i.device, state: "waiting", startedAt: null, endedAt: null, status: null, metric: null }));
        this.ensureTimer();
        break;
      case "state": {
        const row = this.find(event.id);
        if (!row) return;
        row.state = event.state;
        if (event.state === "running") row.startedAt = event.at.getTime();
        if (event.state === "exited") row.endedAt = event.at.getTime();
        break;
      }
      case "metric": {
        const row = this.find(event.id);
        if (!row) return;
        row.metric = `${event.role} ${event.value === null ? "n/a" : event.value.toPrecision(4)}${event.unit ? ` ${event.unit}` : ""}`;
        break;
      }
      case "outcome": {
        const row = this.find(event.id);
        if (!row) return;
        row.status = event.status;
        row.endedAt ??= event.at.getTime();
        break;
      }
    }
    this.redraw();
  }

  /** Removes the instance block and stops refreshing; the scrolled lines stay. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.options.tty && this.drawn > 0) this.out.write(this.erase());
    this.rows = [];
  }

  private find(id: string): Row | undefined {
    return this.rows.find((r) => r.id === id);
  }

  private ensureTimer(): void {
    const every = this.options.refreshMs ?? 500;
    if (this.timer || every <= 0) return;
    this.timer = setInterval(() => this.redraw(), every);
    // A view must never keep the harness alive.
    this.timer.unref();
  }

  private redraw(): void {
    this.out.write(this.erase() + this.block());
  }

  private erase(): string {
    const text = this.drawn > 0 ? up(this.drawn) + CLEAR_BELOW : "";
    this.drawn = 0;
    return text;
  }

  /** The instance block, one line per instance; records how many lines it drew. */
  private block(): string {
    if (this.rows.length === 0) return "";
    const width = Math.max(40, (this.out.columns ?? 120) - 1);
    const idWidth = Math.max(...this.rows.map((r) => r.id.length));
    const deviceWidth = Math.max(...this.rows.map((r) => r.device.length));
    const now = this.now();
    const lines = this.rows.map((row) => {
      const state = row.status ?? row.state;
      const seconds = row.startedAt === null ? null : ((row.endedAt ?? now) - row.startedAt) / 1000;
      const parts = [
        `  ${row.id.padEnd(idWidth)}`,
        row.device.padEnd(deviceWidth),
        state.padEnd(9),
        (seconds === null ? "" : elapsed(seconds)).padStart(8),
        row.metric ?? "",
      ];
      const text = parts.join("  ").trimEnd();
      return text.length > width ? `${text.slice(0, width - 1)}…` : text;
    });
    this.drawn = lines.length;
    return lines.join("\n") + "\n";
  }
}
