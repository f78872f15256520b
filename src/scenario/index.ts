/** The scenario language: load and check a scenario file, print its problems, get its JSON Schema. */
export { loadScenarioFile, loadScenarioText } from "./loader.js";
export { formatProblem, sortProblems } from "./problems.js";
export { expandGpuInstances } from "./expand.js";
export { KNOWN_PARSERS } from "./parsers-known.js";
export { scenarioJsonSchema, scenarioJsonSchemaText } from "./json-schema.js";
export { parseDuration, scenarioSchema } from "./schema.js";
export type * from "./types.js";
export type { ScenarioDoc, ScenarioInput, Workload, GpuInstanceSpec, RunEntry } from "./schema.js";
