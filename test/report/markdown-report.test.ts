/** The report's Markdown: hostile text stays inside its cell, the notice comes first, latency reads the study's way. */
import { describe, expect, it } from "vitest";
import { SPEEDUP_WORDING, buildReport, renderReportMarkdown } from "../../src/report/index.js";
import { TABLE1, TABLE2 } from "../stats/seed-study.js";
import { studyRun } from "./helpers.js";

/** Cell separators: pipes not escaped by a backslash. */
const unescapedPipes = (line: string): number => (line.match(/(?<!\\)\|/g) ?? []).length;

describe("report Markdown", () => {
  it("escapes titles from scenarios so that no table gains a column or loses a row", async () => {
    const hostile = "Evil | title\n| injected | row |\n<script>alert(1)</script> *bold* [link](http://x)";
    const a = studyRun(TABLE1.mig, { name: "a", title: hostile, offsets: [0, 0.001], warmup: 0 });
    const b = studyRun(TABLE1.noMigParallel, { name: "b", title: "B", offsets: [0, 0.002] });
    const md = renderReportMarkdown(await buildReport({ runs: [{ manifest: a, runDir: null }, { manifest: b, runDir: null }], candidate: "a" }));
    expect(md).not.toContain("<script>");
    expect(md).not.toMatch(/^\| injected/m);
    const tables = md.split("\n\n").filter((block) => block.startsWith("|"));
    expect(tables.length).toBeGreaterThanOrEqual(3);
    for (const table of tables) {
      const lines = table.split("\n");
      for (const line of lines) expect(unescapedPipes(line), line).toBe(unescapedPipes(lines[0]!));
    }
    expect(md).toContain("Evil \\| title \\| injected \\| row \\| \\<script\\>alert(1)\\</script\\> \\*bold\\* \\[link\\](http://x)");
  });

  it("puts the notice on the first line, and words speedups by metric", async () => {
    const sim = studyRun(TABLE2.migParallel, { name: "mig", simulated: true });
    const full = studyRun(TABLE2.noMigSerial, { name: "full", simulated: true });
    const model = await buildReport({ runs: [{ manifest: sim, runDir: null }, { manifest: full, runDir: null }], candidate: "mig" });
    const md = renderReportMarkdown(model);
    expect(md.split("\n")[0]).toBe("> **Simulated GPU: these numbers were not measured on a GPU (the run used the migbench simulator).**");
    expect(md).toContain(`| ${TABLE2.migParallel.title} | ${TABLE2.noMigSerial.title} | throughput | 4.17x | — |`);
    expect(md).toContain(`**${TABLE2.migParallel.title}** against **${TABLE2.noMigSerial.title}**: 4.17x the throughput, at 1.72x the latency.`);
    expect(SPEEDUP_WORDING.time.cell("1.48")).toBe("1.48x");
    expect(SPEEDUP_WORDING.latency.shown(0.5)).toBe(2);
  });
});
