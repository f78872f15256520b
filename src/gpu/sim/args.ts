/**
 * The command line nvidia-smi accepts, as tables: top-level options and those of the `mig` subcommand.
 * Long options take `--name=value` or `--name value`.
 */

type Arity = "none" | "required" | "optional";

interface OptionSpec {
  readonly names: readonly string[];
  readonly key: string;
  readonly arity: Arity;
}

const opt = (key: string, arity: Arity, ...names: string[]): OptionSpec => ({ key, arity, names });

const TOP_OPTIONS: readonly OptionSpec[] = [
  opt("id", "required", "-i", "--id"),
  opt("listGpus", "none", "-L", "--list-gpus"),
  opt("query", "none", "-q", "--query"),
  opt("xml", "none", "-x", "--xml-format"),
  opt("queryGpu", "required", "--query-gpu"),
  opt("queryComputeApps", "required", "--query-compute-apps"),
  opt("format", "required", "--format"),
  opt("mig", "required", "-mig", "--multi-instance-gpu"),
  opt("gpuReset", "none", "-r", "--gpu-reset"),
  opt("loop", "required", "-l", "--loop"),
  opt("loopMs", "required", "-lms", "--loop-ms"),
  opt("help", "none", "-h", "--help"),
  opt("version", "none", "--version"),
];

const MIG_OPTIONS: readonly OptionSpec[] = [
  opt("id", "required", "-i", "--id"),
  opt("lgip", "none", "-lgip", "--list-gpu-instance-profiles"),
  opt("lgipp", "none", "-lgipp", "--list-gpu-instance-possible-placements"),
  opt("lgi", "none", "-lgi", "--list-gpu-instances"),
  opt("lcip", "none", "-lcip", "--list-compute-instance-profiles"),
  opt("lci", "none", "-lci", "--list-compute-instances"),
  opt("cgi", "required", "-cgi", "--create-gpu-instance"),
  opt("cci", "optional", "-cci", "--create-compute-instance"),
  opt("dgi", "none", "-dgi", "--destroy-gpu-instance"),
  opt("dci", "none", "-dci", "--destroy-compute-instance"),
  opt("gi", "required", "-gi", "--gpu-instance-id"),
  opt("ci", "required", "-ci", "--compute-instance-id"),
  opt("defaultCi", "none", "-C", "--default-compute-instance"),
  opt("help", "none", "-h", "--help"),
];

export interface ParsedArgs {
  readonly subcommand: "top" | "mig";
  /** Option key → its value, or `true` for a flag (and for `-cci` without a list). */
  readonly options: ReadonlyMap<string, string | true>;
}

/** null: the real tool's "Invalid combination of input arguments". */
export function parseArgs(argv: readonly string[]): ParsedArgs | null {
  let subcommand: ParsedArgs["subcommand"] = "top";
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === "mig" && subcommand === "top") {
      subcommand = "mig";
      continue;
    }
    const eq = token.startsWith("-") ? token.indexOf("=") : -1;
    const name = eq > 0 ? token.slice(0, eq) : token;
    const inline = eq > 0 ? token.slice(eq + 1) : undefined;
    const spec = (subcommand === "mig" ? MIG_OPTIONS : TOP_OPTIONS).find((s) => s.names.includes(name));
    if (!spec) return null;
    const next = argv[i + 1];
    if (spec.arity === "none") {
      if (inline !== undefined) return null;
      options.set(spec.key, true);
    } else if (inline !== undefined) {
      options.set(spec.key, inline);
    } else if (next !== undefined && (spec.arity === "required" || !next.startsWith("-"))) {
      options.set(spec.key, next);
      i++;
    } else if (spec.arity === "optional") {
      options.set(spec.key, true);
    } else {
      return null;
    }
  }
  return { subcommand, options };
}

/** A comma-separated option value as its items. */
export const listValue = (value: string | true | undefined): string[] | undefined =>
  typeof value === "string" ? value.split(",").map((s) => s.trim()).filter((s) => s.length > 0) : undefined;

/** Every spelling of the option `key` of a subcommand (`cgi` → `-cgi`, `--create-gpu-instance`). */
export const optionNames = (subcommand: ParsedArgs["subcommand"], key: string): readonly string[] =>
  (subcommand === "mig" ? MIG_OPTIONS : TOP_OPTIONS).find((s) => s.key === key)?.names ?? [];
