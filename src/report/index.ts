/** Reports built from run directories: a plain-data model, and renderers for it. */
export {
  ROW_SPECS,
  SIMULATED_NOTICE,
  importedNotice,
  studyTable,
  type StudyAggregate,
  type StudyCell,
  type StudyColumn,
  type StudyRow,
  type StudyTable,
} from "./study-table.js";
export { SPEEDUP_WORDING, escapeMarkdown, formatAggregate, formatCell, formatNumber, renderMarkdown, renderReportMarkdown } from "./markdown.js";
export type * from "./model.js";
export { buildReport, type BuildInput } from "./build.js";
export { isDefinitionPath, loadReportDefinition, parseReportDefinition, reportDefinitionSchema, type ReportDefinition, type ReportDefinitionDoc } from "./definition.js";
export { classifyPath, readSource, type CaseInput, type ReportSource, type SourceCases } from "./sources.js";
export { computeSpeedups, type SpeedupRequest } from "./speedups.js";
export { CSV_TABLES, CSV_TABLE_NAMES, csvCell, renderCsv, type CsvTableName } from "./csv.js";
export { REPORT_SCHEMA_VERSION, renderJson } from "./json.js";
export { REPORT_FORMATS, REPORT_FORMAT_NAMES, renderReport, type RenderOptions, type ReportFormatName } from "./formats.js";
