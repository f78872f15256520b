/**
 * `perf-analyzer`: Triton's perf_analyzer (earlier perf_client), in both forms it writes
 * (reference/workload-logs.md §3), told apart by the first non-blank line:
 *
 * - CSV (`-f file.csv`): a header starting `Concurrency,` or `Request Rate,`, then one row per level.
 *   Columns are found by name (the oldest header has one `Server Compute`, newer ones add `Response
 *   Throughput`, cache columns, `--verbose-csv` latency columns and GPU columns holding
 *   `gpu_uuid:value;` lists); rows come sorted by throughput, not by level.
 * - Console: a block per level (`Request concurrency: 4`, `Client:`, `Server:` sections), then the
 *   summary `Inferences/Second vs. Client Average Batch Latency` (or `Client p95 Batch Latency` when
 *   run with `--percentile`) with one line per level, with or without the `throughput:` word.
 *
 * Samples carry the level (concurrency, or request rate) as their step. Metric names are the same in
 * both forms: `throughput` (infer/sec: inferences = requests x batch), `latency_avg`, `latency_stddev`,
 * `latency_p50`..`latency_p99`, `client_send_recv`, `client_response_wait`, `server_queue`,
 * `server_compute_input`, `server_compute_infer`, `server_compute_output`, ...; times in usec as
 * printed, or in ms with `latencyUnit: ms`. The final figures are those of one level: `concurrency` (or
 * `requestRate`) picks it, by default the last level in the output (CSV rows come sorted by throughput). `complete` means the summary was seen (CSV:
 * at least one row and no truncated last row).
 */
import { z } from "zod";
import { finalOf, numberToken, parseOptions, SampleCollector, slug } from "./common.js";
import type { FinalValue, LogParser, ParserSession, Sample, SessionOptions } from "./types.js";

const optionsSchema = z
  .strictObject({
    concurrency: z.number().int().min(1).optional().describe("Take the final figures from this concurrency level (default: the last level in the output)"),
    requestRate: z.number().positive().optional().describe("Take the final figures from this request rate (runs with --request-rate-range)"),
    latencyUnit: z.enum(["usec", "ms"]).default("usec").describe("Unit of the time metrics: usec as printed, or converted to ms"),
  })
  .refine((o) => o.concurrency === undefined || o.requestRate === undefined, { message: "give concurrency or requestRate, not both" })
  .describe("Options of the perf-analyzer parser");

type Options = z.output<typeof optionsSchema>;

const USEC = "usec";
const INFER_PER_SEC = "infer/sec";

/** A metric as a column or a console line names it. */
interface Metric {
  readonly name: string;
  readonly unit?: string;
}

/** CSV columns by header text; `p<N> latency` and unknown columns are handled by `csvColumn`. */
const CSV_COLUMNS: Readonly<Record<string, Metric>> = {
  "Inferences/Second": { name: "throughput", unit: INFER_PER_SEC },
  "Response Throughput": { name: "response_throughput", unit: INFER_PER_SEC },
  "Client Send": { name: "client_send", unit: USEC },
  "Network+Server Send/Recv": { name: "network_server_send_recv", unit: USEC },
  "Server Queue": { name: "server_queue", unit: USEC },
  "Server Compute": { name: "server_compute", unit: USEC },
  "Server Compute Input": { name: "server_compute_input", unit: USEC },
  "Server Compute Infer": { name: "server_compute_infer", unit: USEC },
  "Server Compute Output": { name: "server_compute_output", unit: USEC },
  "Server Cache Hit": { name: "server_cache_hit", unit: USEC },
  "Server Cache Miss": { name: "server_cache_miss", unit: USEC },
  "Client Recv": { name: "client_recv", unit: USEC },
  "Avg latency": { name: "latency_avg", unit: USEC },
  "request/response": { name: "client_send_recv", unit: USEC },
  "response wait": { name: "client_response_wait", unit: USEC },
};

/** The columns that give the level of a row, and the console lines that open a level's block. */
const LEVEL_COLUMNS = ["Concurrency", "Request Rate"] as const;

function csvColumn(header: string): Metric {
  const known = CSV_COLUMNS[header];
  if (known) return known;
  const percentile = /^p(\d+) latency$/i.exec(header);
  if (percentile) return { name: `latency_p${percentile[1]}`, unit: USEC };
  return { name: slug(header) };
}

/** A console line inside a level's block: what it matches, and the samples it gives. */
interface ConsoleRule {
  readonly re: RegExp;
  readonly samples: (m: RegExpExecArray) => { name: string; raw: string; unit?: string }[];
}

/** `overhead 39 usec + queue 33577 usec + ...` → one sample per part, named `<prefix><part>`. */
function usecParts(text: string, prefix: string): { name: string; raw: string; unit: string }[] {
  return text.split("+").flatMap((part) => {
    const m = /^\s*(.*?)\s+(\d+(?:\.\d+)?)\s*usec\s*$/.exec(part);
    return m ? [{ name: `${prefix}${slug(m[1] as string)}`, raw: m[2] as string, unit: USEC }] : [];
  });
}

const CLIENT_RULES: readonly ConsoleRule[] = [
  { re: /^Request count:\s*(\d+)/, samples: (m) => [{ name: "request_count", raw: m[1] as string }] },
  { re: /^Throughput:\s*(\S+)\s*infer\/sec/, samples: (m) => [{ name: "throughput", raw: m[1] as string, unit: INFER_PER_SEC }] },
  { re: /^Response Throughput:\s*(\S+)\s*infer\/sec/, samples: (m) => [{ name: "response_throughput", raw: m[1] as string, unit: INFER_PER_SEC }] },
  { re: /^Avg send request rate:\s*(\S+)\s*infer\/sec/, samples: (m) => [{ name: "send_request_rate", raw: m[1] as string, unit: INFER_PER_SEC }] },
  {
    re: /^Avg latency:\s*(\d+(?:\.\d+)?)\s*usec(?:\s*\(standard deviation\s*(\d+(?:\.\d+)?)\s*usec\))?/,
    samples: (m) => [
      { name: "latency_avg", raw: m[1] as string, unit: USEC },
      ...(m[2] === undefined ? [] : [{ name: "latency_stddev", raw: m[2], unit: USEC }]),
    ],
  },
  { re: /^p(\d+) latency:\s*(\d+(?:\.\d+)?)\s*usec/, samples: (m) => [{ name: `latency_p${m[1]}`, raw: m[2] as string, unit: USEC }] },
  {
    // `Avg HTTP time` / `Avg gRPC time`, with the breakdown in parentheses.
    re: /^Avg (?:HTTP|gRPC) time:\s*(\d+(?:\.\d+)?)\s*usec(?:\s*\((.*)\))?/,
    samples: (m) => [{ name: "client_time_avg", raw: m[1] as string, unit: USEC }, ...usecParts(m[2] ?? "", "client_")],
  },
];

const SERVER_RULES: readonly ConsoleRule[] = [
  { re: /^Inference count:\s*(\d+)/, samples: (m) => [{ name: "server_inference_count", raw: m[1] as string }] },
  { re: /^Execution count:\s*(\d+)/, samples: (m) => [{ name: "server_execution_count", raw: m[1] as string }] },
  { re: /^Successful request count:\s*(\d+)/, samples: (m) => [{ name: "server_success_count", raw: m[1] as string }] },
  {
    re: /^Avg request latency:\s*(\d+(?:\.\d+)?)\s*usec(?:\s*\((.*)\))?/,
    samples: (m) => [{ name: "server_request_latency_avg", raw: m[1] as string, unit: USEC }, ...usecParts(m[2] ?? "", "server_")],
  },
];

const BLOCK_START = /^(?:Request concurrency|Request Rate):\s*(\d+(?:\.\d+)?)\s*(?:$|inference)/;
const SUMMARY_HEADER = /^Inferences\/Second vs\. Client (Average|p(\d+)) Batch Latency/;
/** `Concurrency: 1, throughput: 67.8 infer/sec, latency 14710 usec`, also without `throughput:`. */
const SUMMARY_LINE = /^(?:Concurrency|Request Rate):\s*(\d+(?:\.\d+)?),\s*(?:throughput:\s*)?(\S+)\s*infer\/sec,\s*latency\s*(\d+(?:\.\d+)?)\s*usec/;
const UNSTABLE = /Failed to obtain stable measurement/i;

type Mode = "unknown" | "console" | "csv";

class PerfAnalyzerSession implements ParserSession {
  private readonly out: SampleCollector;
  private mode: Mode = "unknown";
  // console state
  private level: number | undefined;
  private section: "client" | "server" | "other" = "other";
  private summaryLatency: string | undefined;
  /** Levels that had a block: their summary lines would only repeat the block's figures. */
  private readonly blockLevels = new Set<number>();
  // csv state
  private columns: { metric: Metric | null; gpuList: boolean }[] = [];
  private levelColumn = -1;
  private rows = 0;
  private lastRowBad = false;
  /**
   * Final figures of the level that will be reported: the requested one, else the latest one seen. Only
   * that level's are kept, so that memory stays flat however many levels a log holds.
   */
  private finals: { level: number; values: Map<string, FinalValue> } | undefined;
  /** Levels seen, for the message when the requested one is missing (the first few only). */
  private readonly seenLevels: number[] = [];
  private levelCount = 0;

  constructor(
    private readonly options: Options,
    session?: SessionOptions,
  ) {
    this.out = new SampleCollector(session);
  }

  push(text: string, lineNumber: number, at?: number): void {
    this.out.lines++;
    const line = text.trim();
    if (line === "") return;
    if (this.mode === "unknown") this.mode = LEVEL_COLUMNS.some((c) => line.startsWith(`${c},`)) ? "csv" : "console";
    if (this.mode === "csv") this.csvLine(line, lineNumber);
    else this.consoleLine(line, lineNumber, at);
  }

  finish() {
    if (this.mode === "csv") this.out.complete = this.rows > 0 && !this.lastRowBad;
    return this.out.result("perf-analyzer", this.selectedLevel());
  }

  private selectedLevel(): Map<string, FinalValue> {
    const wanted = this.options.concurrency ?? this.options.requestRate;
    if (wanted !== undefined && this.finals === undefined) {
      const more = this.levelCount > this.seenLevels.length ? `, ... (${this.levelCount} in all)` : "";
      const known = this.seenLevels.length > 0 ? `${this.seenLevels.join(", ")}${more}` : "none";
      this.out.problem(this.out.lines, `level ${wanted} was not measured (levels in the log: ${known}); no final figures`);
    }
    return this.finals?.values ?? new Map();
  }

  /** Keeps a sample's value as a final figure when its level is the one that will be reported. */
  private keepFinal(level: number, sample: Sample): void {
    const wanted = this.options.concurrency ?? this.options.requestRate;
    if (this.finals?.level !== level) {
      if (!this.seenLevels.includes(level)) {
        this.levelCount++;
        if (this.seenLevels.length < 20) this.seenLevels.push(level);
      }
      if (wanted !== undefined && level !== wanted) return;
      this.finals = { level, values: new Map() };
    }
    this.finals.values.set(sample.name, finalOf(sample));
  }

  private add(name: string, raw: string, unit: string | undefined, level: number | undefined, line: number, at: number | undefined): void {
    let value = numberToken(raw);
    if (value === undefined) return;
    let shownUnit = unit;
    if (unit === USEC && this.options.latencyUnit === "ms") {
      value = value === null ? null : value / 1000;
      shownUnit = "ms";
    }
    const sample: Sample = { name, value, line };
    if (shownUnit !== undefined) sample.unit = shownUnit;
    if (level !== undefined) sample.step = level;
    if (at !== undefined) sample.at = at;
    this.out.add(sample);
    if (level !== undefined) this.keepFinal(level, sample);
  }

  private consoleLine(line: string, lineNumber: number, at: number | undefined): void {
    if (UNSTABLE.test(line)) {
      this.out.problem(lineNumber, `perf_analyzer could not measure stably: ${line}`);
      return;
    }
    const header = SUMMARY_HEADER.exec(line);
    if (header) {
      this.summaryLatency = header[2] === undefined ? "latency_avg" : `latency_p${header[2]}`;
      this.out.complete = true;
      this.section = "other";
      return;
    }
    const summary = SUMMARY_LINE.exec(line);
    if (summary) {
      const level = Number(summary[1]);
      if (this.blockLevels.has(level)) return;
      this.add("throughput", summary[2] as string, INFER_PER_SEC, level, lineNumber, at);
      this.add(this.summaryLatency ?? "latency_avg", summary[3] as string, USEC, level, lineNumber, at);
      return;
    }
    const block = BLOCK_START.exec(line);
    if (block) {
      this.level = Number(block[1]);
      this.blockLevels.add(this.level);
      this.section = "other";
      return;
    }
    if (line === "Client:") this.section = "client";
    else if (line === "Server:") this.section = "server";
    else if (/^Server Prometheus Metrics:/.test(line)) this.section = "other";
    else if (this.section !== "other" && this.level !== undefined) {
      for (const rule of this.section === "client" ? CLIENT_RULES : SERVER_RULES) {
        const m = rule.re.exec(line);
        if (!m) continue;
        for (const s of rule.samples(m)) this.add(s.name, s.raw, s.unit, this.level, lineNumber, at);
        return;
      }
    }
  }

  private csvLine(line: string, lineNumber: number): void {
    const cells = line.split(",").map((c) => c.trim());
    if (this.columns.length === 0 || LEVEL_COLUMNS.some((c) => cells[0] === c)) {
      this.levelColumn = cells.findIndex((c) => (LEVEL_COLUMNS as readonly string[]).includes(c));
      this.columns = cells.map((header, k) => ({
        metric: k === this.levelColumn ? null : csvColumn(header),
        gpuList: /GPU/.test(header) && !/^Server/.test(header),
      }));
      return;
    }
    this.rows++;
    if (cells.length !== this.columns.length) {
      this.lastRowBad = true;
      this.out.problem(lineNumber, `expected ${this.columns.length} comma-separated values as in the header, got ${cells.length} (a truncated line?)`);
      return;
    }
    const level = numberToken(cells[this.levelColumn] ?? "");
    if (typeof level !== "number") {
      this.lastRowBad = true;
      this.out.problem(lineNumber, `the level column holds "${cells[this.levelColumn] ?? ""}", not a number`);
      return;
    }
    this.lastRowBad = false;
    this.columns.forEach((column, k) => {
      const cell = cells[k] ?? "";
      if (!column.metric || cell === "") return;
      if (column.gpuList && cell.includes(":")) this.gpuList(column.metric, cell, level, lineNumber);
      else this.add(column.metric.name, cell, column.metric.unit, level, lineNumber, undefined);
    });
  }

  /** `GPU-aaaa:0.51;GPU-bbbb:0.49;` → one sample per GPU, `<name>.<uuid>`, and `<name>` when there is one GPU. */
  private gpuList(metric: Metric, cell: string, level: number, lineNumber: number): void {
    const entries = cell
      .split(";")
      .map((e) => e.trim())
      .filter((e) => e !== "")
      .map((e) => [e.slice(0, e.lastIndexOf(":")), e.slice(e.lastIndexOf(":") + 1)] as const);
    for (const [gpu, raw] of entries) this.add(`${metric.name}.${gpu}`, raw, metric.unit, level, lineNumber, undefined);
    if (entries.length === 1) this.add(metric.name, entries[0]?.[1] ?? "", metric.unit, level, lineNumber, undefined);
  }
}

export const perfAnalyzerParser: LogParser = {
  name: "perf-analyzer",
  description:
    "Triton perf_analyzer / perf_client: console output (per-level blocks and the summary) or its CSV (-f), " +
    "every known header; samples per concurrency level (step); final figures from the level chosen with " +
    "`concurrency` (default: the last level in the output). Throughput counts inferences (requests x batch); times in usec " +
    "unless `latencyUnit: ms`.",
  optionsSchema,
  create: (options?: unknown, session?: SessionOptions) => new PerfAnalyzerSession(parseOptions("perf-analyzer", optionsSchema, options), session),
};
