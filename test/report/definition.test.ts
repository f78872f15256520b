/** Report definitions: the schema, and every problem reported as file:line:col with a way to fix it. */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { loadReportDefinition, parseReportDefinition } from "../../src/report/index.js";
import { tempDir } from "./helpers.js";

/** The problems a definition text is refused with, one per line. */
function problems(text: string): string[] {
  try {
    parseReportDefinition(text, "reports/bad.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message.split("\n");
  }
  throw new Error("the definition was accepted");
}

describe("report definitions", () => {
  it("read a full definition, resolving paths against the file's folder", () => {
    const text = [
      "title: Table 2",
      "description: Inference.",
      "sources:",
      "  - import: data/seed-table2.csv",
      "  - results: ../results",
      "cases:",
      "  - table2-a100-nomig-7-serial",
      "  - { id: table2-t4-7-serial, label: T4 elsewhere }",
      "speedups:",
      "  - { candidate: table2-t4-7-serial, against: [table2-a100-nomig-7-serial], roles: [throughput] }",
      "  - { baseline: table2-a100-nomig-7-serial }",
      "show: { telemetry: false, charts: [speedups] }",
      "notes: [a note]",
    ].join("\n");
    const def = parseReportDefinition(text, "reports/x.yaml");
    expect(def.dir).toBe(path.resolve("reports"));
    expect(def.doc.sources).toEqual([{ import: "data/seed-table2.csv" }, { results: "../results" }]);
    expect(def.doc.cases).toEqual(["table2-a100-nomig-7-serial", { id: "table2-t4-7-serial", label: "T4 elsewhere" }]);
    expect(def.doc.show).toEqual({ telemetry: false, charts: ["speedups"] });
    expect(def.problemAt(["cases", 1, "id"], "no such case")).toBe("reports/x.yaml:8:11: no such case");
    expect(def.problemAt(["sources", 1, "results"], "not found")).toBe("reports/x.yaml:5:14: not found");
  });

  it("point a misspelled key at its line with the key it was meant to be", () => {
    expect(problems("title: T\nsorces:\n  - run: x\n")).toEqual(['reports/bad.yaml:2:1: unknown key "sorces"; did you mean "sources"?']);
    expect(problems("title: T\nsources: [{ run: a }]\nshow: { telemetri: false }\n")).toEqual(['reports/bad.yaml:3:9: unknown key "telemetri"; did you mean "telemetry"?']);
  });

  it("want exactly one kind per source, and say only the typo when a kind is misspelled", () => {
    expect(problems("title: T\nsources:\n  - { run: a, results: b }\n  - { imports: c }\n")).toEqual([
      "reports/bad.yaml:3:5: give exactly one of import, run, results",
      'reports/bad.yaml:4:7: unknown key "imports"; did you mean "import"?',
    ]);
  });

  it("check speedups: one of candidate or baseline, known roles, against only with candidate", () => {
    expect(problems("title: T\nsources: [{ run: a }]\nspeedups: { candidate: a, baseline: b }\n")).toEqual([
      "reports/bad.yaml:3:11: give either candidate (with against) or baseline (with candidates)",
    ]);
    expect(problems("title: T\nsources: [{ run: a }]\nspeedups:\n  - baseline: a\n    roles: [throughput, latancy]\n")).toEqual([
      'reports/bad.yaml:5:25: expected one of time, throughput, latency; got "latancy"; did you mean "latency"?',
    ]);
    expect(problems("title: T\nsources: [{ run: a }]\nspeedups:\n  - baseline: a\n    against: [b]\n")).toEqual(["reports/bad.yaml:5:14: against goes with candidate"]);
  });

  it("refuse a case listed twice, a missing title, and a document that is not a mapping", () => {
    expect(problems("title: T\nsources: [{ run: a }]\ncases: [a, b, a]\n")).toEqual(['reports/bad.yaml:3:15: duplicate case id (first listed as cases[0]); got "a"']);
    expect(problems("sources: [{ run: a }]\n")).toEqual(['reports/bad.yaml:1:1: missing required key "title"']);
    expect(problems("- a\n- b\n")).toEqual(["reports/bad.yaml:1:1: expected a report definition: a mapping with title and sources (docs/reports.md)"]);
  });

  it("report YAML syntax errors with their position", () => {
    const [first] = problems("title: T\nsources: [{ run: a }\n");
    expect(first).toMatch(/^reports\/bad\.yaml:3:1: YAML syntax error: /);
  });

  it("name a definition file that cannot be read", async () => {
    const missing = path.join(tempDir("def"), "nope.yaml");
    await expect(loadReportDefinition(missing)).rejects.toThrow(`${missing}:1:1: cannot read the report definition: file not found`);
    const dir = tempDir("def");
    const file = path.join(dir, "ok.yaml");
    writeFileSync(file, "title: T\nsources: [{ run: a }]\n");
    await expect(loadReportDefinition(file)).resolves.toMatchObject({ file, dir, doc: { title: "T" } });
  });
});
