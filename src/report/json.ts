/**
 * The report model as JSON, versioned: `schemaVersion` changes whenever a reader of the previous version
 * would misread the document (fields added without that risk do not change it). The notice is the model's
 * first field, so it is the first thing a reader sees.
 */
import type { ReportModel } from "./model.js";

export const REPORT_SCHEMA_VERSION = 1;

export function renderJson(model: ReportModel): string {
  const { notice, ...rest } = model;
  return `${JSON.stringify({ notice, schemaVersion: REPORT_SCHEMA_VERSION, ...rest }, null, 2)}\n`;
}
