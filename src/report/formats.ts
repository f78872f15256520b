/** The formats `bench report --format` writes: a registry of renderers over the report model. */
import { CSV_TABLE_NAMES, renderCsv, type CsvTableName } from "./csv.js";
import { renderHtml } from "./html/index.js";
import { renderJson } from "./json.js";
import { renderReportMarkdown } from "./markdown.js";
import type { ReportModel } from "./model.js";

export interface RenderOptions {
  /** CSV: which table (`instances`, `aggregates`, `speedups`). */
  readonly table?: CsvTableName;
}

interface ReportFormat {
  readonly describe: string;
  readonly render: (model: ReportModel, options: RenderOptions) => string | Promise<string>;
}

export const REPORT_FORMATS = {
  md: { describe: "GitHub-flavoured Markdown (a CI job summary, a PR comment)", render: (model) => renderReportMarkdown(model) },
  html: { describe: "one self-contained HTML file with charts", render: (model) => renderHtml(model) },
  csv: { describe: `tidy CSV, one table (--table ${CSV_TABLE_NAMES.join("|")})`, render: (model, options) => renderCsv(model, options.table) },
  json: { describe: "the report model, with schemaVersion", render: (model) => renderJson(model) },
} as const satisfies Record<string, ReportFormat>;

export type ReportFormatName = keyof typeof REPORT_FORMATS;
export const REPORT_FORMAT_NAMES = Object.keys(REPORT_FORMATS) as ReportFormatName[];

export async function renderReport(model: ReportModel, format: ReportFormatName, options: RenderOptions = {}): Promise<string> {
  const spec: ReportFormat = REPORT_FORMATS[format];
  return spec.render(model, options);
}
