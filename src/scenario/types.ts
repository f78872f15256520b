import type { GpuModel } from "../gpu/catalog/index.js";
import type { ScenarioDoc } from "./schema.js";

/** A path into the YAML document, used to point problems at `file:line:col`. */
export type DocPath = readonly (string | number)[];

/** One problem found in a scenario file; `line` and `col` are 1-based. */
export interface ScenarioProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** A compute instance after `count` expansion. */
export interface ExpandedCi {
  /** Stable key inside the scenario: `gi0.ci0`. */
  readonly key: string;
  /** The `name` given in the scenario (shared by the copies of a `count`). */
  readonly name?: string;
  readonly profileId: number;
  readonly profileName: string;
  readonly computeSlices: number;
  readonly sourcePath: DocPath;
}

/** A GPU instance after `count` expansion, with its compute instances (the default CI when none given). */
export interface ExpandedGi {
  /** Stable key inside the scenario: `gi0`, `gi1`, ... in the order written. */
  readonly key: string;
  readonly name?: string;
  readonly profileId: number;
  readonly profileName: string;
  readonly start?: number;
  readonly computeInstances: readonly ExpandedCi[];
  readonly sourcePath: DocPath;
}

/** A scenario that passed every check: schema, references, and the layout against the catalog. */
export interface Scenario {
  readonly file: string;
  readonly text: string;
  /** sha256 of `text`, hex. */
  readonly sha256: string;
  readonly doc: ScenarioDoc;
  readonly model: GpuModel;
  /** Empty when MIG is off. */
  readonly gpuInstances: readonly ExpandedGi[];
  /** Set when this case is one of several in its file (`cases:`). */
  readonly study?: StudyRef;
}

/** The file a case came from, when the file holds several cases. */
export interface StudyRef {
  /** The file's top-level `name`. */
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  /** 0-based position of this case in `cases:`. */
  readonly index: number;
  readonly count: number;
}

/**
 * `cases`: every case of the file in order (one for a single-case file); `scenario` is the first, which
 * keeps single-case callers simple.
 */
export type LoadResult = { ok: true; scenario: Scenario; cases: readonly Scenario[] } | { ok: false; problems: ScenarioProblem[] };
