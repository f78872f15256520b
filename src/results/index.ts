/** The run directory and its versioned manifest. */
export { writeFileAtomic, writeJsonAtomic } from "./atomic.js";
export {
  MANIFEST_SCHEMA_VERSION,
  ManifestError,
  deviceRecordSchema,
  executionSchema,
  executionStatuses,
  formatIssuePath,
  groupRecordSchema,
  imageRecordSchema,
  originSchema,
  parseManifest,
  planSchema,
  runManifestSchema,
  runManifestV1Schema,
  scheduleSchema,
  telemetrySummarySchema,
  upgradeV1,
  validateManifest,
  type DeviceRecord,
  type Execution,
  type ExecutionStatus,
  type GpuRecord,
  type HostRecord,
  type ImageRecord,
  type MetricValue,
  type Origin,
  type RunManifest,
  type RunManifestV1,
  type TelemetrySummary,
} from "./manifest.js";
export {
  LOGS_DIR,
  MANIFEST_FILE,
  METRICS_DIR,
  SAMPLES_DIR,
  TELEMETRY_DIR,
  createRunDir,
  createUniqueDir,
  executionRelativePath,
  formatRunTimestamp,
  logRelativePath,
  openRunDataFile,
  readRun,
  readRunDataText,
  sanitizeName,
  WHOLE_FILE_MAX_BYTES,
  type ExecutionFileKind,
  type RunDir,
} from "./run-dir.js";
export { REDACTED, Redactor, isSecretName } from "./redact.js";
export { RESULTS_SCHEMA_ID, resultsJsonSchema, resultsJsonSchemaText } from "./json-schema.js";
export { IMPORT_ROLES, parseCsv, parseImportTable, type ImportedCase, type ImportedRow, type ImportedTable } from "./import-table.js";
export { importedManifest, importTables, type ImportedRun, type ImportOptions } from "./import.js";
export { STUDY_FILE, STUDY_SCHEMA_VERSION, readStudyIndex, studyIndexSchema, writeStudyIndex, type StudyIndex } from "./study.js";
