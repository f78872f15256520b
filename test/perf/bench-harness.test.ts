/**
 * `npm run bench` itself (bench/run.js): it is never run by CI for its figures, so these tests keep it
 * from rotting. Every benchmark module loads against the built dist/, one benchmark runs end to end and
 * prints its table and JSON, and bad arguments are refused with exit 2.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { root, tempDir } from "../cli/helpers.js";

const benchDir = path.join(root, "bench");
const runner = path.join(benchDir, "run.js");
/** Programs rather than modules: they run on import (run.js, the reference launcher) or are preloads. */
const PROGRAMS = new Set(["run.js", "direct-launch.js", "maxrss-preload.js", "run-timeline-preload.js"]);

describe("npm run bench", () => {
  it("every benchmark module loads, and exports its measurement", async () => {
    const modules = readdirSync(benchDir).filter((name) => name.endsWith(".js") && !PROGRAMS.has(name));
    expect(modules).toEqual(expect.arrayContaining(["orchestration.js", "serial-steps.js", "log-parse.js", "telemetry.js"]));
    for (const name of modules) {
      const loaded: Record<string, unknown> = await import(pathToFileURL(path.join(benchDir, name)).href);
      expect(Object.values(loaded).some((value) => typeof value === "function"), name).toBe(true);
    }
  });

  it("runs a benchmark: the table with each figure's target and verdict, and the JSON with the machine", async () => {
    const json = path.join(tempDir("bench-json"), "figures.json");
    const result = await execa(process.execPath, [runner, "--only", "cli-start", "--quick", "--json", json], { cwd: root, reject: false });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const stdout = String(result.stdout);
    expect(stdout).toMatch(/^migbench benchmarks, QUICK sizes/);
    expect(stdout).toContain("GPU: simulated");
    expect(stdout).toMatch(/\| CLI start: `bench --help` +\| node -e 0: \d+ ms +\| \+\d+ ms +\| < \+300 ms \| (ok|MISS) /);
    const figures = JSON.parse(readFileSync(json, "utf8")) as { quick: boolean; gpu: string; machine: { cpus: number }; rows: { benchmark: string; what: string; verdict: string }[] };
    expect(figures).toMatchObject({ quick: true, gpu: "simulated" });
    expect(figures.machine.cpus).toBeGreaterThan(0);
    expect(figures.rows.map((row) => row.what)).toEqual(["CLI start: `bench --help`", "CLI start: `bench validate` one file", "CLI start floor: importing yargs, zod and yaml"]);
    expect(figures.rows.map((row) => row.verdict)).toEqual([expect.stringMatching(/^(ok|MISS)$/), expect.stringMatching(/^(ok|MISS)$/), "info"]);
  });

  it("refuses an unknown benchmark or GPU with exit 2, naming what it knows", async () => {
    const unknown = await execa(process.execPath, [runner, "--only", "cli-start,nope"], { cwd: root, reject: false });
    expect(unknown.exitCode).toBe(2);
    expect(String(unknown.stderr)).toContain("unknown benchmark(s) nope; known: cli-start, log-parse, telemetry, start-skew, process, serial, docker, report-build");
    const gpu = await execa(process.execPath, [runner, "--gpu", "h100"], { cwd: root, reject: false });
    expect(gpu.exitCode).toBe(2);
    expect(String(gpu.stderr)).toContain("--gpu takes sim or real; got h100");
  });
});
