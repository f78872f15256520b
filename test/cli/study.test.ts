/**
 * `bench run` of a multi-case file end to end on the simulated GPU: every case into one study
 * directory, `study.json` saying what ran, the reports written beside the runs, failures isolated to
 * their case, and an interrupt that keeps the finished cases and marks the rest.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { readRun, readStudyIndex } from "../../src/results/index.js";
import { bench, benchBin, root, tempDir } from "./helpers.js";

const matmul = path.join(root, "workloads", "cpu-matmul", "main.js");

/** Two cases that measure and one that crashes (lines of the `crash` case come last). */
function studyFile(dir: string, { seconds = "0.3", crash = true } = {}): string {
  const file = path.join(dir, "study.yaml");
  writeFileSync(
    file,
    `name: mini-study
title: "Mini study <b>with</b> | markup"
gpu: { model: A100-SXM4-40GB }
workloads:
  matmul:
    command: [node, ${JSON.stringify(matmul)}, --seconds, "${seconds}", --size, "32"]
    parser: jsonl
    metrics: { time: { key: elapsed_s, unit: s }, throughput: { key: items_per_second, unit: items/s } }
  crash:
    command: [node, ${JSON.stringify(matmul)}, --seconds, "5", --fail-after, "0.1"]
    parser: jsonl
    metrics: { time: { key: elapsed_s, unit: s } }
cases:
  - name: mig-2x1g
    layout: { mig: true, gpuInstances: [{ profile: 1g.5gb, count: 2 }] }
    run: [{ workload: matmul, on: each-mig-device }]
  - name: nomig-2-serial
    layout: { mig: false }
    run: [{ workload: matmul, on: full-gpu, copies: 2 }]
    schedule: serial
${crash ? `  - name: crash
    layout: { mig: false }
    run: [{ workload: crash, on: full-gpu }]` : `  - name: also-unused
    layout: { mig: false }
    run: [{ workload: crash, on: full-gpu }]`}
`,
  );
  return file;
}

async function simState(): Promise<{ file: string; env: Record<string, string> }> {
  const file = path.join(tempDir("sim"), "state.json");
  const init = await bench(["sim", "init", "--model", "A100-SXM4-40GB", "--state", file]);
  expect(init.exitCode, String(init.stderr)).toBe(0);
  return { file, env: { MIGBENCH_SIM_STATE: file } };
}

const lastLine = (text: string): string => text.trim().split("\n").at(-1) ?? "";

describe("bench run of a multi-case file", () => {
  it("runs every case into one study directory, isolates a failing case, writes the reports, restores the GPU", async () => {
    const sim = await simState();
    const before = readFileSync(sim.file, "utf8");
    const out = tempDir("study");
    const result = await bench(["run", studyFile(out), "--out", out], sim.env);
    // The crashing case makes the study fail (exit 1); the two before it still ran and were reported.
    expect(result.exitCode, String(result.stderr)).toBe(1);
    const dir = lastLine(String(result.stdout));
    expect(path.dirname(dir)).toBe(out);

    const index = await readStudyIndex(dir);
    expect(index?.status).toBe("failed");
    expect(index?.cases.map((c) => [c.name, c.status, c.exitCode])).toEqual([
      ["mig-2x1g", "complete", 0],
      ["nomig-2-serial", "complete", 0],
      ["crash", "failed", 1],
    ]);
    for (const c of index?.cases ?? []) {
      const manifest = await readRun(path.join(dir, c.run ?? "missing"));
      expect(manifest.scenario.name).toBe(c.name);
      // Every case: the first one put the simulator on PATH, and no later case may take it for a real GPU.
      expect(manifest.simulated, c.name).toBe(true);
    }
    expect(index?.reports).toEqual({ html: "report.html", md: "report.md" });

    // The reports: simulated on the first line, every case, the first case compared with the others.
    const md = readFileSync(path.join(dir, "report.md"), "utf8");
    expect(md.split("\n")[0]).toMatch(/Simulated GPU/);
    for (const name of ["mig-2x1g", "nomig-2-serial", "crash"]) expect(md).toContain(name);
    expect(md).toMatch(/nomig-2-serial/);
    const html = readFileSync(path.join(dir, "report.html"), "utf8");
    expect(html).toContain("Simulated GPU");
    expect(html).not.toContain("<b>with</b>");
    expect(html).toContain("&lt;b&gt;with&lt;/b&gt;");
    // execa strips the final newline of stdout.
    expect(String(result.stdout)).toBe(`${md}${dir}`);
    expect(String(result.stderr)).toContain(`bench: report: ${path.join(dir, "report.html")}`);

    expect(readFileSync(sim.file, "utf8")).toBe(before);
  });

  it("runs one case with --case, as a plain run directory", async () => {
    const sim = await simState();
    const out = tempDir("study-one");
    const result = await bench(["run", studyFile(out), "--case", "nomig-2-serial", "--out", out], sim.env);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const manifest = await readRun(lastLine(String(result.stdout)));
    expect(manifest.scenario.name).toBe("nomig-2-serial");
    expect(manifest.plan.schedule).toBe("serial");
  });

  it("stops on SIGINT: the case running is cleaned up and kept, later cases are marked not run, exit 130", async () => {
    const sim = await simState();
    const before = readFileSync(sim.file, "utf8");
    const out = tempDir("study-int");
    const child = execa("node", [benchBin, "run", studyFile(out, { seconds: "30", crash: false }), "--out", out], { cwd: root, reject: false, env: sim.env });
    let stderr = "";
    await new Promise<void>((resolve) => {
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("starting matmul.1")) resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 1000));
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(130);
    const dir = lastLine(String(result.stdout));
    const index = await readStudyIndex(dir);
    expect(index?.status).toBe("interrupted");
    expect(index?.cases.map((c) => c.status)).toEqual(["interrupted", "not-run", "not-run"]);
    const first = await readRun(path.join(dir, index?.cases[0]?.run ?? "missing"));
    expect(first.status).toBe("interrupted");
    expect(existsSync(path.join(dir, "report.html"))).toBe(true);
    expect(readFileSync(sim.file, "utf8")).toBe(before);
  });
});
