/** The run directory and its versioned manifest. */
export { writeFileAtomic, writeJsonAtomic } from "./atomic.js";
export {
  MANIFEST_SCHEMA_VERSION,
  ManifestError,
  deviceRecordSchema,
  executionSchema,
  executionStatuses,
  formatIssuePath,
  parseManifest,
  planSchema,
  runManifestSchema,
  scheduleSchema,
  validateManifest,
  type DeviceRecord,
  type Execution,
  type ExecutionStatus,
  type MetricValue,
  type RunManifest,
} from "./manifest.js";
export {
  LOGS_DIR,
  MANIFEST_FILE,
  createRunDir,
  formatRunTimestamp,
  logRelativePath,
  readRun,
  sanitizeName,
  type RunDir,
} from "./run-dir.js";
