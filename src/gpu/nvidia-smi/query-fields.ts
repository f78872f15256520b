/**
 * `--query-gpu` for fields that not every driver knows. The tool refuses a whole query over one unknown
 * field (`Field "clocks_event_reasons.active" is not a valid field to query.`, exit 2), and drivers renamed
 * fields over the years; so a field the tool refuses is dropped (or replaced by its older name) and the
 * query asked again. What was dropped is reported, never guessed.
 */
import { NvidiaSmiError } from "./errors.js";
import { execNvidiaSmi, toolMessage, type ExecOptions } from "./exec.js";
import { parseQueryCsv } from "./parse-csv.js";
import type { QueryRecord } from "./schemas.js";

/** The tool's (and the simulator's) words for an unknown field. */
export const INVALID_FIELD = /Field "([^"]+)" is not a valid field to query/;

/** A wanted field and older names it went by, newest first. */
export type FieldChoice = readonly [string, ...string[]];

export interface TolerantQuery {
  /** The query field each choice resolved to (absent: the driver knows none of its names). */
  readonly resolved: ReadonlyMap<string, string>;
  /** Wanted fields the driver knows under none of their names (by the choice's first name). */
  readonly unsupported: readonly string[];
}

/**
 * Fields a tool refused, by tool (binary and PATH): the tool names one unknown field per call, so a later
 * query of the same process (telemetry after the board facts) skips what is already known to be refused.
 */
const REFUSED = new Map<string, Set<string>>();

export const toolKey = (options: Pick<ExecOptions, "bin" | "env">): string => `${options.bin}\u0000${options.env?.PATH ?? process.env.PATH ?? ""}`;

/**
 * Finds which name of each choice the driver accepts, asking `probe` (which runs the query and returns
 * the refused field, or undefined when the query was accepted) as often as needed. `tool` (see `toolKey`)
 * remembers refusals across calls.
 */
export async function resolveFields(choices: readonly FieldChoice[], probe: (fields: readonly string[]) => Promise<string | undefined>, tool?: string): Promise<TolerantQuery> {
  const refused = tool === undefined ? new Set<string>() : (REFUSED.get(tool) ?? new Set<string>());
  if (tool !== undefined) REFUSED.set(tool, refused);
  const unsupported: string[] = [];
  // Start each choice at its first name not already refused.
  const position = choices.map((c) => {
    let k = 0;
    while (k < c.length && refused.has(c[k] as string)) k++;
    if (k >= c.length) unsupported.push(c[0]);
    return k;
  });
  const current = (): string[] => choices.flatMap((c, k) => (position[k] !== undefined && (position[k] as number) < c.length ? [c[position[k] as number] as string] : []));
  // Each round drops one name: at most as many rounds as names.
  for (let round = 0; round <= choices.reduce((n, c) => n + c.length, 0); round++) {
    const fields = current();
    if (fields.length === 0) break;
    const name = await probe(fields);
    if (name === undefined) break;
    const k = choices.findIndex((c, i) => c[position[i] as number] === name);
    if (k < 0) throw new Error(`nvidia-smi refused the field "${name}", which was not asked for`);
    refused.add(name);
    position[k] = (position[k] as number) + 1;
    const choice = choices[k] as FieldChoice;
    if ((position[k] as number) >= choice.length) unsupported.push(choice[0]);
  }
  const resolved = new Map<string, string>();
  choices.forEach((c, k) => {
    const name = c[position[k] as number];
    if (name !== undefined) resolved.set(c[0], name);
  });
  return { resolved, unsupported };
}

/**
 * One `--query-gpu` of GPU `index`, keyed by each choice's first name; fields the driver does not know are
 * listed in `unsupported` and absent from the record. Throws NvidiaSmiError when the tool fails otherwise.
 */
export async function queryGpuTolerant(
  choices: readonly FieldChoice[],
  index: number,
  options: ExecOptions,
  exec: typeof execNvidiaSmi = execNvidiaSmi,
): Promise<{ record: Record<string, string | undefined>; unsupported: readonly string[] }> {
  let last: QueryRecord | undefined;
  const query = await resolveFields(
    choices,
    async (fields) => {
    const result = await exec([`--query-gpu=${fields.join(",")}`, "--format=csv,noheader,nounits", "-i", String(index)], options);
    const message = toolMessage(result.stdout, result.stderr);
    const refused = INVALID_FIELD.exec(message)?.[1];
    if (refused !== undefined) return refused;
    if (result.exitCode !== 0) throw new NvidiaSmiError({ reason: "failed", command: result.command, exitCode: result.exitCode, toolMessage: message, stdout: result.stdout });
    last = parseQueryCsv(result.stdout, fields)[0];
    return undefined;
    },
    toolKey(options),
  );
  const record: Record<string, string | undefined> = {};
  for (const [wanted, asked] of query.resolved) record[wanted] = last?.[asked];
  return { record, unsupported: query.unsupported };
}
