/**
 * The argument arrays of every nvidia-smi command migbench runs, in one table: the driver runs them,
 * `bench partition apply --dry-run` prints them, the journal records them. One source, so what is
 * printed is what would run.
 */
const mig = (index: number, ...args: string[]): string[] => ["mig", "-i", String(index), ...args];
/** One id or a list: the tool takes `-gi 7,8,9` and acts on each in turn. */
const ids = (value: number | readonly number[]): string => (typeof value === "number" ? String(value) : value.join(","));

export const SMI_ARGS = {
  listGpus: (): string[] => ["-L"],
  queryGpus: (fields: readonly string[], index?: number): string[] => [
    `--query-gpu=${fields.join(",")}`,
    "--format=csv,nounits",
    ...(index === undefined ? [] : ["-i", String(index)]),
  ],
  computeApps: (fields: readonly string[], index: number): string[] => [`--query-compute-apps=${fields.join(",")}`, "--format=csv,nounits", "-i", String(index)],
  queryXml: (index?: number): string[] => ["-q", "-x", ...(index === undefined ? [] : ["-i", String(index)])],
  setMigMode: (index: number, enabled: boolean): string[] => ["-i", String(index), "-mig", enabled ? "1" : "0"],
  resetGpu: (index: number): string[] => ["-i", String(index), "--gpu-reset"],
  giProfiles: (index: number): string[] => mig(index, "-lgip"),
  giPlacements: (index: number): string[] => mig(index, "-lgipp"),
  ciProfiles: (index: number, giId?: number): string[] => mig(index, "-lcip", ...(giId === undefined ? [] : ["-gi", String(giId)])),
  gpuInstances: (index: number): string[] => mig(index, "-lgi"),
  computeInstances: (index: number): string[] => mig(index, "-lci"),
  createGpuInstances: (index: number, profiles: readonly (number | string)[], withDefaultCi: boolean): string[] =>
    mig(index, "-cgi", profiles.join(","), ...(withDefaultCi ? ["-C"] : [])),
  createComputeInstances: (index: number, giId: number, profiles?: readonly (number | string)[]): string[] =>
    mig(index, "-cci", ...(profiles && profiles.length > 0 ? [profiles.join(",")] : []), "-gi", String(giId)),
  destroyComputeInstances: (index: number, giIds?: number | readonly number[], ciId?: number): string[] =>
    mig(index, "-dci", ...(giIds === undefined ? [] : ["-gi", ids(giIds)]), ...(ciId === undefined ? [] : ["-ci", String(ciId)])),
  destroyGpuInstances: (index: number, giIds?: number | readonly number[]): string[] => mig(index, "-dgi", ...(giIds === undefined ? [] : ["-gi", ids(giIds)])),
} as const;

/** A command line as a person would type it (arguments are plain words, no quoting needed). */
export const commandLine = (bin: string, args: readonly string[]): string => [bin, ...args].join(" ");
