/** CSV renderings: tidy tables that read back cell for cell, whatever text a scenario or table holds. */
import { describe, expect, it } from "vitest";
import { CSV_TABLES, buildReport, csvCell, renderCsv, type ReportModel } from "../../src/report/index.js";
import { parseCsv } from "../../src/results/index.js";
import { TABLE1 } from "../stats/seed-study.js";
import { studyRun } from "./helpers.js";

const HOSTILE_TITLE = 'Evil, "quoted" title\nsecond line, =cmd|\' /C calc\'!A0';
const FORMULA_TITLE = "=HYPERLINK(\"http://x\",\"click\")";

async function hostileModel(): Promise<ReportModel> {
  const a = studyRun(TABLE1.mig, { name: "a", title: HOSTILE_TITLE, offsets: [0, 0.001], simulated: true });
  const b = studyRun(TABLE1.noMigSerial, { name: "b", title: FORMULA_TITLE, offsets: [0, -0.001] });
  return buildReport({ runs: [{ manifest: a, runDir: null }, { manifest: b, runDir: null }], candidate: "a" });
}

/** Rows of a rendering, the notice comment line left out. */
const read = (csv: string): string[][] => parseCsv(csv).filter((r) => !(r.cells[0] ?? "").startsWith("#")).map((r) => r.cells);

describe("CSV", async () => {
  const model = await hostileModel();

  it("quotes commas, quotes and newlines so every row reads back with the header's width", () => {
    for (const table of Object.keys(CSV_TABLES) as (keyof typeof CSV_TABLES)[]) {
      const rows = read(renderCsv(model, table));
      expect(rows[0]).toEqual([...CSV_TABLES[table].columns]);
      expect(rows.length).toBeGreaterThan(1);
      for (const r of rows) expect(r, table).toHaveLength(rows[0]!.length);
    }
    const labels = read(renderCsv(model)).slice(1).map((r) => r[1]);
    expect(new Set(labels)).toEqual(new Set([HOSTILE_TITLE, `'${FORMULA_TITLE}`]));
  });

  it("guards text that a spreadsheet would run as a formula, and leaves numbers alone", () => {
    expect(csvCell("=1+1")).toBe("'=1+1");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell(-2.5)).toBe("-2.5");
    expect(csvCell([1.5, -2])).toBe("1.5;-2");
    expect(csvCell('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvCell(null)).toBe("");
    expect(csvCell(Number.NaN)).toBe("");
  });

  it("starts with the notice as a comment line", () => {
    const first = renderCsv(model).split("\n")[0];
    expect(first).toBe(`# ${model.notice}`);
    expect(model.notice).toMatch(/^Simulated GPU/);
  });

  it("writes one row per case × instance × metric with full-precision values", () => {
    const rows = read(renderCsv(model, "instances"));
    const header = rows[0]!;
    const col = (name: string): number => header.indexOf(name);
    expect(rows).toHaveLength(1 + 2 * 7 * 2);
    const first = rows.find((r) => r[col("case")] === "a" && r[col("instance")] === "bert-base-squad.1" && r[col("role")] === "time")!;
    expect(first[col("values")]).toBe(`5542;${5542 * 1.001}`);
    expect(Number(first[col("mean")])).toBeCloseTo((5542 + 5542 * 1.001) / 2, 9);
    expect(first[col("origin")]).toBe("simulated");
  });

  it("writes the speedups table from the model's rows", () => {
    const rows = read(renderCsv(model, "speedups"));
    expect(rows.slice(1).map((r) => [r[0], r[1], r[2]])).toEqual([
      ["a", "b", "time"],
      ["a", "b", "throughput"],
    ]);
    const time = model.speedups.find((s) => s.role === "time")!;
    expect(Number(rows[1]![4])).toBe(time.value);
  });
});
