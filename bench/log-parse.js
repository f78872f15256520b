// Log parsing: `bench parse --format dllogger --no-samples` of a large DLLogger log in the runtime's
// timestamped format, against reading the same file line by line and doing nothing (and, as the floor of
// any parser, reading it and JSON.parse-ing each record); all in child processes whose peak RSS is
// reported by bench/maxrss-preload.js.
import { once } from "node:events";
import { createWriteStream, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { benchBin, fmt, interleaved, median, row, timed } from "./lib.js";

const preload = new URL("./maxrss-preload.js", import.meta.url).href;
const READ_ONLY = `import{createReadStream}from"node:fs";import{createInterface}from"node:readline";let n=0;for await(const _ of createInterface({input:createReadStream(process.argv[1]),crlfDelay:Infinity}))n++;console.log(n);`;
/** The floor of any parser of this format: the same reading, and JSON.parse of each record. */
const READ_JSON = `import{createReadStream}from"node:fs";import{createInterface}from"node:readline";let n=0;for await(const l of createInterface({input:createReadStream(process.argv[1]),crlfDelay:Infinity})){const i=l.indexOf("{");if(i>=0)n+=JSON.parse(l.slice(i)).type.length;}console.log(n);`;

/** One training step as BERT's run_squad.py logs it through DLLogger, prefixed as the runtime writes logs. */
function stepLine(i, epochMs) {
  const at = new Date(epochMs + i * 37).toISOString();
  const loss = (5 - (i % 100_000) / 25_000).toFixed(6);
  return `${at} stdout| DLLL {"timestamp": "${((epochMs + i * 37) / 1000).toFixed(6)}", "datetime": "${at.slice(0, 23).replace("T", " ")}", "elapsedtime": ${(i * 0.037).toFixed(6)}, "type": "LOG", "step": [${Math.floor(i / 5000)}, ${i}], "data": {"step_loss": ${loss}, "learning_rate": 2.9e-05, "training_sequences_per_second": ${(180 + (i % 17)).toFixed(3)}}}\n`;
}

/** Writes about `bytes` of DLLogger output (metadata, steps, a final summary), streamed with backpressure. */
export async function writeDlloggerLog(file, bytes) {
  const out = createWriteStream(file);
  const epochMs = Date.UTC(2026, 10, 25, 14, 0, 0);
  out.write(`${new Date(epochMs).toISOString()} stdout| DLLL {"timestamp": "${epochMs / 1000}", "type": "METADATA", "metric": "step_loss", "metadata": {"unit": null}}\n`);
  out.write(`${new Date(epochMs).toISOString()} stdout| DLLL {"timestamp": "${epochMs / 1000}", "type": "METADATA", "metric": "training_sequences_per_second", "metadata": {"unit": "sequences/s"}}\n`);
  let written = 0;
  let i = 0;
  while (written < bytes) {
    let chunk = "";
    for (let k = 0; k < 2000; k++) chunk += stepLine(i++, epochMs);
    written += chunk.length;
    if (!out.write(chunk)) await once(out, "drain");
  }
  out.end(`${new Date(epochMs + i * 37).toISOString()} stdout| DLLL {"timestamp": "${(epochMs + i * 37) / 1000}", "type": "LOG", "step": [], "data": {"e2e_train_time": ${(i * 0.037).toFixed(3)}, "training_sequences_per_second": 183.2}}\n`);
  await once(out, "close");
  return i + 3;
}

async function measuredChild(args, rssFile) {
  const { ms, result } = await timed(process.execPath, ["--import", preload, ...args], { env: { MIGBENCH_BENCH_MAXRSS: rssFile } });
  return { ms, rss: Number(readFileSync(rssFile, "utf8")), stdout: String(result.stdout) };
}

export async function logParse({ quick, tmp }) {
  const bytes = quick ? 100 * 2 ** 20 : 2 ** 30;
  const runs = quick ? 2 : 3;
  const file = path.join(tmp, "dllogger.log");
  const lines = await writeDlloggerLog(file, bytes);
  const size = statSync(file).size;
  try {
    const rss = { reference: [], parse: [] };
    let parsed;
    const times = await interleaved(runs, {
      reference: async () => {
        const child = await measuredChild(["--input-type=module", "-e", READ_ONLY, file], path.join(tmp, "rss-ref"));
        rss.reference.push(child.rss);
        return child.ms;
      },
      json: async () => (await measuredChild(["--input-type=module", "-e", READ_JSON, file], path.join(tmp, "rss-json"))).ms,
      parse: async () => {
        const child = await measuredChild([benchBin, "parse", "--format", "dllogger", "--no-samples", file], path.join(tmp, "rss-parse"));
        rss.parse.push(child.rss);
        parsed = JSON.parse(child.stdout);
        return child.ms;
      },
    });
    if (parsed.lines !== lines || !parsed.complete) throw new Error(`parse read ${parsed.lines} of ${lines} lines (complete: ${parsed.complete})`);
    const speed = median(times.reference) / median(times.parse);
    const peakMb = Math.max(...rss.parse) / 1e6;
    const mbPerS = (ms) => `${(size / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
    const label = `${(size / 2 ** 20).toFixed(0)} MiB of dllogger`;
    return [
      row(`log parsing, ${label}: speed`, `read lines: ${fmt.s(median(times.reference) / 1000)} (${mbPerS(median(times.reference))})`, `${fmt.s(median(times.parse) / 1000)} (${mbPerS(median(times.parse))}), ${speed.toFixed(2)} x ref.`, ">= 0.5 x", speed >= 0.5, `median of ${runs}; ${lines} lines`),
      row(`log parsing floor: reading + JSON.parse of each record`, `read lines: ${fmt.s(median(times.reference) / 1000)}`, `${fmt.s(median(times.json) / 1000)}, ${(median(times.reference) / median(times.json)).toFixed(2)} x ref.`, "-", null, "no parser at all: what any parser of DLLogger JSON lines pays"),
      row(`log parsing, ${label}: peak RSS`, `read lines: ${fmt.mb(Math.max(...rss.reference) / 1e6)}`, fmt.mb(peakMb), "< 150 MB", peakMb < 150, "maxRSS of the child"),
    ];
  } finally {
    rmSync(file, { force: true });
  }
}
