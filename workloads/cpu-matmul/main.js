#!/usr/bin/env node
/**
 * cpu-matmul: the built-in CPU workload. It repeats a dense float64 matrix multiply for a fixed time and
 * reports throughput and latency as JSON lines, so that the whole harness (launch, logs, parsers, reports)
 * can run end to end on a machine without a GPU. See README.md for the output contract.
 *
 * Plain Node.js ESM with no dependencies: it must run as `node workloads/cpu-matmul/main.js` inside any
 * container or host that has Node, without a build step.
 */
import { closeSync, openSync, writeFileSync } from "node:fs";
import process from "node:process";
import { setInterval } from "node:timers";
import { parseArgs } from "node:util";

const USAGE = `usage: node workloads/cpu-matmul/main.js [options]

Repeats a dense float64 matrix multiply and prints JSON lines (start, progress, summary).

options:
  --size N              matrix order (integer 1..2048, default 96)
  --seconds S           measured duration in seconds (> 0, default 2)
  --warmup-seconds S    unmeasured warm-up before it (>= 0, default 0.2)
  --fail-after S        exit 3 after S seconds, without a summary (fault tests)
  --hang                never finish (timeout tests)
  -h, --help            show this help`;

/** About four progress records a second: enough to see a run move, few enough to keep logs small. */
const PROGRESS_INTERVAL_NS = 250_000_000n;

function usageError(message) {
  process.stderr.write(`cpu-matmul: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** Parses a flag as a finite number inside [min, max]; `exclusiveMin` for durations that must be > 0. */
function numberFlag(values, name, fallback, { min, max = Number.MAX_SAFE_INTEGER, exclusiveMin = false, integer = false }) {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const trimmed = raw.trim();
  const value = Number(trimmed);
  const tooSmall = exclusiveMin ? value <= min : value < min;
  if (trimmed === "" || !Number.isFinite(value) || tooSmall || value > max || (integer && !Number.isInteger(value))) {
    const kind = integer ? "an integer" : "a number";
    const lower = exclusiveMin ? `> ${min}` : `>= ${min}`;
    usageError(`--${name} must be ${kind} ${lower}${max === Number.MAX_SAFE_INTEGER ? "" : ` and <= ${max}`}, got "${raw}"`);
  }
  return value;
}

function readOptions(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        size: { type: "string" },
        seconds: { type: "string" },
        "warmup-seconds": { type: "string" },
        "fail-after": { type: "string" },
        hang: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  return {
    // 2048 keeps one multiply under a few seconds on a slow core, so progress and timeouts stay meaningful.
    size: numberFlag(values, "size", 96, { min: 1, max: 2048, integer: true }),
    seconds: numberFlag(values, "seconds", 2, { min: 0, exclusiveMin: true }),
    warmupSeconds: numberFlag(values, "warmup-seconds", 0.2, { min: 0 }),
    failAfter: values["fail-after"] === undefined ? null : numberFlag(values, "fail-after", 0, { min: 0 }),
    hang: values.hang === true,
  };
}

/** A deterministic generator (mulberry32) so that a given size always yields the same checksum. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomMatrix(n, random) {
  const m = new Float64Array(n * n);
  for (let i = 0; i < m.length; i++) m[i] = random() * 2 - 1;
  return m;
}

/** c = a * b, row-major; the i-k-j loop order walks b and c contiguously, as a real kernel would. */
function multiply(a, b, c, n) {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[row + k];
      const bk = k * n;
      for (let j = 0; j < n; j++) c[row + j] += aik * b[bk + j];
    }
  }
}

/** Growable store of per-item latencies (ms) so that percentiles are exact, not estimated. */
class Latencies {
  constructor() {
    this.values = new Float64Array(1024);
    this.length = 0;
  }
  push(value) {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
  sorted() {
    return this.values.slice(0, this.length).sort();
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const emit = (record) => process.stdout.write(`${JSON.stringify(record)}\n`);
const round = (value, digits) => (value === null ? null : Number(value.toFixed(digits)));
const nsToSeconds = (ns) => Number(ns) / 1e9;

/**
 * migbench's start barrier (workloads/README.md), when the harness asks for it: say ready, then wait until
 * every copy of the group is ready and the harness releases them all at once.
 */
function waitAtStartBarrier() {
  const readyFile = process.env.MIGBENCH_READY_FILE;
  const goFifo = process.env.MIGBENCH_GO_FIFO;
  if (!readyFile || !goFifo) return;
  // The first use of process.stdout costs milliseconds of CPU (it creates the stream): paid now, not after
  // the release, where every copy would pay it at once on contended cores. An empty write sends no byte.
  process.stdout.write("");
  writeFileSync(readyFile, "");
  // Opening the FIFO for reading blocks until the harness opens it: that is the release.
  closeSync(openSync(goFifo, "r"));
}

function main() {
  const options = readOptions(process.argv.slice(2));
  const n = options.size;
  const random = prng(0x5eed + n);
  const a = randomMatrix(n, random);
  const b = randomMatrix(n, random);
  const c = new Float64Array(n * n);
  // Everything before this is start-up; the first record, the warm-up and the measured work come after.
  waitAtStartBarrier();

  const launchedAt = process.hrtime.bigint();
  const secondsToNs = (s) => BigInt(Math.round(s * 1e9));
  const failAt = options.failAfter === null ? null : launchedAt + secondsToNs(options.failAfter);
  const checkFailure = (now) => {
    if (failAt !== null && now >= failAt) {
      process.stderr.write(`cpu-matmul: simulated failure after ${options.failAfter} s (--fail-after)\n`);
      process.exit(3);
    }
  };

  emit({ event: "start", device: process.env.CUDA_VISIBLE_DEVICES ?? null, pid: process.pid, size: n });

  // Warm-up: lets the JIT compile `multiply` before anything is measured.
  const warmupEnd = launchedAt + secondsToNs(options.warmupSeconds);
  let now = process.hrtime.bigint();
  while (now < warmupEnd) {
    multiply(a, b, c, n);
    now = process.hrtime.bigint();
    checkFailure(now);
  }

  if (options.hang) {
    // A stuck job that does nothing any more: the event loop stays alive until someone kills us.
    setInterval(() => checkFailure(process.hrtime.bigint()), failAt === null ? 1 << 30 : 10);
    return;
  }

  const latencies = new Latencies();
  const measureStart = process.hrtime.bigint();
  // With --fail-after, keep working until the failure fires, however long --seconds is.
  const measureEnd = failAt === null ? measureStart + secondsToNs(options.seconds) : null;
  let windowStart = measureStart;
  let windowItems = 0;
  let windowLatencyMs = 0;
  let items = 0;
  now = measureStart;
  while (measureEnd === null || now < measureEnd) {
    const t0 = process.hrtime.bigint();
    multiply(a, b, c, n);
    now = process.hrtime.bigint();
    const latencyMs = Number(now - t0) / 1e6;
    latencies.push(latencyMs);
    items++;
    windowItems++;
    windowLatencyMs += latencyMs;
    if (now - windowStart >= PROGRESS_INTERVAL_NS) {
      emit({
        event: "progress",
        step: items,
        items_per_second: round(windowItems / nsToSeconds(now - windowStart), 3),
        latency_ms: round(windowLatencyMs / windowItems, 4),
      });
      windowStart = now;
      windowItems = 0;
      windowLatencyMs = 0;
    }
    checkFailure(now);
  }

  const elapsed = nsToSeconds(now - measureStart);
  const sorted = latencies.sorted();
  let checksum = 0;
  for (let i = 0; i < c.length; i++) checksum += c[i];
  emit({
    event: "summary",
    elapsed_s: round(elapsed, 6),
    items,
    items_per_second: round(items / elapsed, 3),
    latency_ms_avg: round(sorted.reduce((sum, v) => sum + v, 0) / sorted.length, 4),
    latency_ms_p50: round(percentile(sorted, 50), 4),
    latency_ms_p99: round(percentile(sorted, 99), 4),
    // The last product's element sum: identical for a given --size on every run, a check the math ran.
    checksum: round(checksum, 6),
  });
}

main();
