/**
 * Hostile input, property-based (fast-check): scenario files, workload logs and run directories that
 * migbench does not control must give a clear error, never a crash with a stack trace, a hang or memory
 * that grows with the input; scenario fields stay in their place (no name leaves the run directory, no
 * value reaches a shell). A failing property prints its seed and the smallest input that breaks it.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import type { MigbenchError } from "../../src/errors.js";
import { MAX_METRIC_NAMES, MAX_PROBLEMS } from "../../src/metrics/parsers/common.js";
import { getParser, PARSER_NAMES, parseLines, type ParseResult } from "../../src/metrics/parsers/index.js";
import { buildPlan } from "../../src/plan/index.js";
import { createRunDir, executionRelativePath, ManifestError, parseManifest, readRun, sanitizeName } from "../../src/results/index.js";
import { containerConfig } from "../../src/runtime/docker/container-config.js";
import { loadScenarioText, type Scenario } from "../../src/scenario/index.js";
import { makeManifest } from "../results/fixtures.js";
import { dockerForTests, TEST_IMAGE } from "../docker/engine.js";
import { makeHost, markerFor, removeTempDirs, root, runHere, scenario, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

/** How many inputs each property tries; the figures in docs/reliability.md are these. */
export const RUNS = { loaderText: 400, loaderMutations: 400, parserLines: 150, parserOptions: 200, manifests: 300, manifestMutations: 300, names: 300 } as const;

/** Strings a hostile file holds: anything, and the classics. */
const hostileString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 120 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom(
    "../../../etc/passwd",
    "/etc/passwd",
    "..",
    ".",
    "",
    "a/b",
    "a\\b",
    "C:\\Windows",
    "\u0000",
    "$(touch pwned)",
    "`touch pwned`",
    "; touch pwned",
    "<script>alert(1)</script>",
    "'\"",
    "\r\n\t",
    "x".repeat(5000),
    "__proto__",
    "constructor",
    "-rf",
    "${HOME}",
    "%s%n",
    "\u202e\u200b",
    ".nan",
    "1e309",
    "~",
    "*alias",
    "&anchor",
    "!!js/function 'x'",
  ),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.double(),
  fc.integer(),
  fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 31), Number.POSITIVE_INFINITY, Number.NaN),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
);

const STACK_TRACE = /\n\s+at \S/;

/** What a problem must look like: a position and words, no stack trace. */
function expectClearProblems(problems: readonly { line: number; col: number; message: string }[]): void {
  expect(problems.length).toBeGreaterThan(0);
  for (const p of problems) {
    expect(Number.isInteger(p.line) && p.line >= 1 && Number.isInteger(p.col) && p.col >= 1, JSON.stringify(p)).toBe(true);
    expect(p.message.trim().length).toBeGreaterThan(0);
    expect(p.message).not.toMatch(STACK_TRACE);
  }
}

const RUN_ROOT = "/results";
const RUN_DIR = path.join(RUN_ROOT, "20260101-000000-x-abcd");
const inside = (parent: string, child: string): boolean => {
  const rel = path.relative(parent, child);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
};

/** Every name an accepted scenario puts in a path or on a container stays where it belongs. */
function expectContained(accepted: Scenario): void {
  const segment = sanitizeName(accepted.doc.name);
  expect(segment).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
  expect(inside(RUN_ROOT, path.join(RUN_ROOT, `20260101-000000-${segment}-abcd`))).toBe(true);
  const plan = buildPlan(accepted);
  for (const instance of plan.instances) {
    for (const kind of ["log", "samples", "metrics"] as const) {
      expect(inside(RUN_DIR, path.resolve(RUN_DIR, executionRelativePath(kind, 0, instance.id))), instance.id).toBe(true);
    }
    const config = containerConfig(
      { instanceId: instance.id, command: ["true"], cwd: "/", env: {}, device: { kind: "gpu", uuid: "GPU-x" }, logFile: "/dev/null", image: "img" },
      { runId: "20260101-000000-x-abcd", gpuAccess: "env-only", nameSuffix: "abc123", owner: "host:1" },
    );
    // Docker's own rule for container names.
    expect(config.name).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
  }
}

/** Loading must end in a list of clear problems, or in scenarios whose names stay in their place. */
function expectCleanLoad(text: string): void {
  let result: ReturnType<typeof loadScenarioText> | undefined;
  expect(() => {
    result = loadScenarioText(text, "hostile.yaml");
  }).not.toThrow();
  if (!result) return;
  if (!result.ok) expectClearProblems(result.problems);
  else for (const accepted of result.cases) expectContained(accepted);
}

const scenarioFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? scenarioFiles(path.join(dir, e.name)) : e.name.endsWith(".yaml") ? [path.join(dir, e.name)] : []));
const SCENARIOS = scenarioFiles(path.join(root, "scenarios")).map((file) => ({ file, data: YAML.parse(readFileSync(file, "utf8")) as unknown }));

/** Every path into a document (objects and arrays), the root excluded. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...pathsOf(v, [...prefix, i])]);
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
  return [];
}

function mutate(doc: unknown, at: (string | number)[], op: "set" | "delete" | "rename", value: unknown, name: string): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = at.at(-1) as string | number;
  if (op === "delete") {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (op === "rename" && !Array.isArray(parent)) {
    const moved = parent[last];
    delete parent[last];
    parent[name] = moved;
  } else {
    parent[last] = value;
  }
  return copy;
}

describe("the scenario loader", () => {
  it(`reads ${RUNS.loaderText} arbitrary texts without a crash: problems with positions, or a scenario`, () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 600 }), fc.jsonValue().map((v) => YAML.stringify(v))), (text) => expectCleanLoad(text)),
      { numRuns: RUNS.loaderText },
    );
  });

  it(`reads ${RUNS.loaderMutations} mutations of the real scenarios: a value changed, deleted or renamed, or the text spliced`, () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(18);
    const structural = fc
      .record({ which: fc.nat(), pick: fc.nat(), op: fc.constantFrom("set" as const, "delete" as const, "rename" as const), value: hostileValue, name: hostileString })
      .map(({ which, pick, op, value, name }) => {
        const { data } = SCENARIOS[which % SCENARIOS.length] as { data: unknown };
        const paths = pathsOf(data);
        return YAML.stringify(mutate(data, paths[pick % paths.length] as (string | number)[], op, value, name));
      });
    const textual = fc.record({ which: fc.nat(), at: fc.nat(), cut: fc.nat(20), insert: hostileString }).map(({ which, at, cut, insert }) => {
      const text = readFileSync((SCENARIOS[which % SCENARIOS.length] as { file: string }).file, "utf8");
      const k = at % (text.length + 1);
      return text.slice(0, k) + insert + text.slice(k + cut);
    });
    fc.assert(fc.property(fc.oneof(structural, textual), (text) => expectCleanLoad(text)), { numRuns: RUNS.loaderMutations });
  });

  it("refuses resource attacks with a clear problem: nesting, alias bombs, 30,000 keys, 5 MB values, binary", () => {
    const cases: Record<string, string> = {
      "nested flow": `${"[".repeat(20_000)}${"]".repeat(20_000)}`,
      "nested blocks": Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i)}a:`).join("\n"),
      "alias bomb": ["a: &a [x,x,x,x,x,x,x,x,x]", ..."bcdefg".split("").map((c, i) => `${c}: &${c} [${Array(9).fill(`*${"abcdefg"[i]}`).join(",")}]`)].join("\n"),
      "30,000 unknown keys": Array.from({ length: 30_000 }, (_, i) => `key${i}: ${i}`).join("\n"),
      "a 5 MB name": `name: ${"x".repeat(5_000_000)}\n`,
      "binary and lone surrogates": "\u0000\u0001\uFFFE\uD800 name: x\n\u001b[31m",
    };
    for (const [what, text] of Object.entries(cases)) {
      const result = loadScenarioText(text, "attack.yaml");
      expect(result.ok, what).toBe(false);
      if (!result.ok) expectClearProblems(result.problems);
    }
  });
});

describe("names used in paths", () => {
  it(`never leave the results folder, for ${RUNS.names} arbitrary run and instance names`, async () => {
    const base = tempDir("names");
    await fc.assert(
      fc.asyncProperty(hostileString, async (name) => {
        const run = await createRunDir(base, name);
        expect(path.dirname(run.dir)).toBe(base);
        expect(run.id).toMatch(/^\d{8}-\d{6}-[A-Za-z0-9_][A-Za-z0-9._-]*-[0-9a-f]{4}$/);
        let rel: string | undefined;
        try {
          rel = executionRelativePath("log", 0, name);
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
        }
        if (rel !== undefined) expect(inside(run.dir, path.resolve(run.dir, rel)), rel).toBe(true);
      }),
      { numRuns: RUNS.names },
    );
    // Only run directories were made, all directly in the folder.
    expect(readdirSync(base, { withFileTypes: true }).every((e) => e.isDirectory())).toBe(true);
  });
});

/** The fixture logs of each parser. */
const FIXTURES: Readonly<Record<string, readonly string[]>> = {
  jsonl: ["cpu-matmul.txt", "python-jsonl.txt"],
  dllogger: ["dllogger.json", "dllogger-console.txt", "dllogger-console-run.txt", "dllogger-died.txt"],
  "triton-client": ["triton-client.txt", "triton-client-died.txt"],
  "perf-analyzer": ["perf-analyzer.csv", "perf-analyzer-console.txt", "perf-analyzer-verbose.csv", "perf-client-oldest.csv", "perf-analyzer-truncated.csv"],
  "hf-trainer": ["hf-trainer-console.txt", "hf-all_results.json", "hf-trainer-died.txt", "hf-train_results-oneline.json"],
  "mlperf-loadgen": ["mlperf_log_detail.txt", "mlperf_log_summary.txt", "mlperf_log_detail-error.txt"],
  regex: ["regex-train.txt"],
};
const OPTIONS: Readonly<Record<string, unknown>> = {
  regex: { patterns: [{ regex: "loss=(?<loss>[\\d.]+)" }, { regex: "(?<name>[a-z_]+)=(?<value>\\S+)" }], complete: "^done" },
};
const fixtureLines = (parser: string): string[] =>
  (FIXTURES[parser] ?? []).flatMap((f) => readFileSync(path.join(root, "test", "fixtures", "logs", f), "utf8").split("\n"));

/** A parser's result, whatever the log: counts that add up, values that JSON holds, bounded lists. */
function expectSaneResult(result: ParseResult, lines: number): void {
  expect(result.lines).toBe(lines);
  expect(result.sampleCount).toBeGreaterThanOrEqual(result.samples.length);
  expect(result.problems.length).toBeLessThanOrEqual(MAX_PROBLEMS + 2);
  expect(Object.keys(result.final).length).toBeLessThanOrEqual(MAX_METRIC_NAMES);
  for (const sample of result.samples) expect(sample.value === null || Number.isFinite(sample.value)).toBe(true);
  for (const final of Object.values(result.final)) expect(final.value === null || Number.isFinite(final.value)).toBe(true);
  for (const problem of result.problems) expect(problem.message).not.toMatch(STACK_TRACE);
  expect(JSON.parse(JSON.stringify(result))).toEqual(JSON.parse(JSON.stringify(result)));
}

/** A line of a real log, damaged: cut, spliced with hostile text, its numbers made extreme. */
const damagedLine = (parser: string): fc.Arbitrary<string> => {
  const lines = fixtureLines(parser);
  return fc.record({ k: fc.nat(), op: fc.nat(3), at: fc.nat(), insert: hostileString, number: fc.constantFrom("1e999", "-0", "NaN", "-inf", "9".repeat(400), "0x1f", "1_000", "") }).map(({ k, op, at, insert, number }) => {
    const line = lines[k % lines.length] ?? "";
    const i = at % (line.length + 1);
    if (op === 0) return line.slice(0, i);
    if (op === 1) return line.slice(0, i) + insert + line.slice(i);
    if (op === 2) return line.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, number);
    return line;
  });
};

describe("every log parser", () => {
  it("has fixtures here (a new parser needs its row)", () => expect(Object.keys(FIXTURES).sort()).toEqual([...PARSER_NAMES].sort()));

  for (const parser of PARSER_NAMES) {
    it(`${parser}: ${RUNS.parserLines} logs of arbitrary and damaged lines give a result, never an exception`, () => {
      fc.assert(
        fc.property(fc.array(fc.oneof(hostileString, damagedLine(parser), damagedLine(parser)), { maxLength: 60 }), (lines) => {
          expectSaneResult(parseLines(parser, lines, OPTIONS[parser]), lines.length);
        }),
        { numRuns: RUNS.parserLines },
      );
    });

    it(`${parser}: 1 MiB lines of separators, brackets, quotes, blanks and digits end (no quadratic backtracking)`, () => {
      const prefixes = ["", "DLLL ", ":::MLLOG ", "{'loss': ", '{"a": ', "Throughput Average (sentences/sec) = ", "Concurrency: 1, ", "  epoch = "];
      const units = [" ", "\t", "=", ":", ",", "{", "[", "(", "'", '"', "1", "1e", "a=", "ab", " =", "\\", "|", "- "];
      let lines = 0;
      const session = getParser(parser).create(OPTIONS[parser], { keepSamples: false, onSample: () => undefined });
      for (const prefix of prefixes) {
        for (const unit of units) session.push(prefix + unit.repeat((1 << 20) / unit.length - prefix.length), ++lines);
      }
      expectSaneResult(session.finish(), lines);
    });
  }

  it("keep memory bounded: 100,000 distinct metric names and 100,000 broken lines keep bounded lists", () => {
    for (const [parser, named, broken] of [
      ["jsonl", (i: number) => `{"metric_${i}": ${i}}`, (i: number) => `{"broken": ${i}`],
      ["triton-client", (i: number) => `Metric ${i} (ms) = ${i}`, () => "= ="],
      ["regex", (i: number) => `m${i}=${i}`, (i: number) => `m=${i}x`],
    ] as const) {
      const options = parser === "regex" ? { patterns: [{ regex: "(?<name>\\w+)=(?<value>\\S+)" }] } : undefined;
      const session = getParser(parser).create(options, { keepSamples: false, onSample: () => undefined });
      let line = 0;
      for (let i = 0; i < 100_000; i++) session.push(named(i), ++line);
      for (let i = 0; i < 100_000; i++) session.push(broken(i), ++line);
      const result = session.finish();
      expectSaneResult(result, line);
      expect(Object.keys(result.final).length, parser).toBe(MAX_METRIC_NAMES);
      expect(result.problems.map((p) => p.message).join("\n"), parser).toMatch(new RegExp(`more than ${MAX_METRIC_NAMES} metric names: \\d+ samples of later names have no final value`));
    }
  });

  it(`refuse ${RUNS.parserOptions} arbitrary options and names with a clear error`, () => {
    fc.assert(
      fc.property(fc.constantFrom(...PARSER_NAMES), hostileValue, (parser, options) => {
        try {
          getParser(parser).create(options);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
          expect((error as Error).message).toMatch(new RegExp(`^invalid options for parser ${parser}`));
        }
      }),
      { numRuns: RUNS.parserOptions },
    );
    fc.assert(
      fc.property(hostileString, (name) => {
        if ((PARSER_NAMES as readonly string[]).includes(name)) return;
        expect(() => getParser(name)).toThrow(/^unknown parser ".*"; known: /s);
      }),
      { numRuns: RUNS.parserOptions },
    );
  });
});

describe("the results reader", () => {
  const valid = makeManifest({ schedule: "parallel", mig: true, instances: 2, repetitions: 2, metrics: { throughput: { key: "items_per_second", unit: "items/s", value: () => 1 } } });

  /** parseManifest returns a manifest, or throws a ManifestError (exit 2) that says where. */
  function expectReadOrRefused(raw: unknown): void {
    try {
      const manifest = parseManifest(raw, "hostile/manifest.json");
      for (const e of manifest.executions) if (e.log !== null) expect(inside(RUN_DIR, path.resolve(RUN_DIR, e.log))).toBe(true);
    } catch (error) {
      expect(error).toBeInstanceOf(ManifestError);
      expect((error as MigbenchError).exitCode).toBe(2);
      expect((error as Error).message).toMatch(/^hostile\/manifest\.json: /);
      expect((error as Error).message).not.toMatch(STACK_TRACE);
    }
  }

  it(`reads ${RUNS.manifests} arbitrary JSON values as a manifest or refuses them with a ManifestError`, () => {
    fc.assert(fc.property(fc.jsonValue(), (raw) => expectReadOrRefused(raw)), { numRuns: RUNS.manifests });
  });

  it(`reads ${RUNS.manifestMutations} mutations of a valid manifest, keeping every stored path inside the run directory`, () => {
    const paths = pathsOf(valid);
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom("set" as const, "delete" as const, "rename" as const), hostileValue, hostileString, (pick, op, value, name) => {
        expectReadOrRefused(mutate(valid, paths[pick % paths.length] as (string | number)[], op, value, name));
      }),
      { numRuns: RUNS.manifestMutations },
    );
  });

  it("refuses damaged run directories at once: empty, cut, not UTF-8, a folder, a FIFO, /dev/zero, 300 MiB, 100,000 levels deep", async () => {
    const base = tempDir("runs");
    const make = (name: string, write: (file: string) => void): string => {
      const dir = path.join(base, name);
      mkdirSync(dir);
      write(path.join(dir, "manifest.json"));
      return dir;
    };
    const dirs: Record<string, [string, RegExp]> = {
      missing: [path.join(base, "nothing-here"), /not found: is this a run directory\?/],
      empty: [make("empty", (f) => writeFileSync(f, "")), /not valid JSON/],
      cut: [make("cut", (f) => writeFileSync(f, JSON.stringify(valid).slice(0, 500))), /not valid JSON/],
      "not UTF-8": [make("latin1", (f) => writeFileSync(f, Buffer.from([0xff, 0xfe, 0x7b, 0x80, 0x7d]))), /not valid JSON/],
      folder: [make("folder", (f) => mkdirSync(f)), /not a regular file/],
      fifo: [make("fifo", (f) => execFileSync("mkfifo", [f])), /not a regular file/],
      "/dev/zero": [make("zero", (f) => symlinkSync("/dev/zero", f)), /not a regular file/],
      "300 MiB": [make("huge", (f) => execFileSync("truncate", ["-s", "300M", f])), /larger than any run manifest/],
      "100,000 levels": [make("deep", (f) => writeFileSync(f, `{"schemaVersion": 2, "runId": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`)), /invalid run manifest|at runId/],
      "a newer version": [make("newer", (f) => writeFileSync(f, JSON.stringify({ ...valid, schemaVersion: 99 }))), /written by a newer migbench; upgrade migbench/],
    };
    for (const [what, [dir, says]] of Object.entries(dirs)) {
      const error = await readRun(dir).catch((e: unknown) => e);
      expect(error, what).toBeInstanceOf(ManifestError);
      expect((error as Error).message, what).toMatch(says);
    }
  });
});

const docker = await dockerForTests("hostile input, container half");

describe("scenario values never reach a shell", () => {
  const TRAPS = ["$(touch pwned-1)", "`touch pwned-2`", "; touch pwned-3", "&& touch pwned-4", "| touch pwned-5", "$HOME", "'\"", "\\n"];

  for (const runtime of ["process", "docker"] as const) {
    it.skipIf(runtime === "docker" && !docker.ok)(`${runtime}: a command, its environment and the title are passed as they are`, async () => {
      const host = makeHost("T4", `noshell-${runtime}`);
      const marker = markerFor("noshell");
      const image = runtime === "docker" ? `    image: ${TEST_IMAGE}\n    docker: { network: none }\n` : "    workdir: .\n";
      const loaded = scenario(
        host,
        [
          "name: no-shell",
          `title: ${JSON.stringify(`$(touch pwned-title) ${marker}`)}`,
          "gpu: { model: T4 }",
          "layout: { mig: false }",
          "workloads:",
          "  echo:",
          image.trimEnd(),
          `    command: ${JSON.stringify(["echo", ...TRAPS, marker])}`,
          `    env: { TRAP: ${JSON.stringify("$(touch pwned-env)")} }`,
          "    parser: jsonl",
          "    metrics: { throughput: { key: items_per_second } }",
          "run: [{ workload: echo, on: full-gpu }]",
        ].join("\n"),
      );
      const run = await runHere(host, loaded, { runtime });
      const [execution] = run.manifest.executions;
      expect(execution?.status).toBe("ok");
      // `echo` printed its arguments as given: no shell expanded, split or ran any of them.
      const log = readFileSync(path.join(run.dir, execution?.log ?? ""), "utf8");
      expect(log).toContain(`stdout| ${[...TRAPS, marker].join(" ")}`);
      expect(readdirSync(host.dir).filter((f) => f.startsWith("pwned"))).toEqual([]);
      expect(readdirSync(root).filter((f) => f.startsWith("pwned"))).toEqual([]);
    });
  }
});
