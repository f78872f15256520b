/**
 * `regex`: metrics from any log, with regular expressions given as options. Every named group is a metric
 * named after the group (`(?<loss>[\d.]+)`), with these groups reserved:
 *
 * - `step`: the step of the samples of that match;
 * - `name` and `value` together: a metric whose name is itself captured (`(?<name>\w+)=(?<value>\S+)`);
 * - `unit`: the unit of the `name`/`value` metric, or of the only metric group (else `units`, by metric name).
 *
 * Each pattern is applied to every line, as often as it matches in it. `complete` is set by a line matching
 * the `complete` expression when one is given, else by the first sample. Options are checked up front
 * (zod): an expression that does not compile, has no metric group, or uses the stateful `g`/`y` flags is
 * refused with the option's path.
 */
import { z } from "zod";
import { numberToken, parseOptions, SampleCollector } from "./common.js";
import type { LogParser, ParserSession, Sample, SessionOptions } from "./types.js";

const RESERVED = new Set(["step", "name", "value", "unit"]);

/**
 * The expressions see at most this much of a line. They come from the scenario but the lines do not: an
 * innocent `(?<name>\w+)=` backtracks quadratically, and a log's 1 MiB line of word characters (the most
 * a log line holds) kept it busy for hours. Metric lines are far shorter.
 */
export const MAX_MATCHED_LENGTH = 4096;

/** The error a source and flags give when compiled, or undefined when they compile. */
function compileError(source: string, flags = ""): string | undefined {
  try {
    new RegExp(source, flags);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const regexSource = z
  .string()
  .min(1)
  .max(2000)
  .superRefine((source, ctx) => {
    const error = compileError(source);
    if (error) ctx.addIssue({ code: "custom", message: `not a valid regular expression: ${error}` });
  });

/** Named groups of a compiled expression, in order (`(?<name>` occurrences; duplicates are a syntax error). */
const groupNames = (source: string): string[] => [...source.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1] as string);

const patternSchema = z
  .strictObject({
    regex: regexSource.describe("A JavaScript regular expression with named groups, e.g. loss=(?<loss>[\\d.]+)"),
    flags: z
      .string()
      .regex(/^[imsu]*$/, "only the flags i, m, s and u are allowed (g and y would make a match depend on the previous line)")
      .default("")
      .describe("Regular expression flags: i, m, s, u"),
    units: z.record(z.string(), z.string().min(1)).default({}).describe("Unit by metric (group) name"),
  })
  .superRefine((p, ctx) => {
    if (compileError(p.regex, p.flags)) return; // reported on `regex` or `flags` already
    const groups = groupNames(p.regex);
    const metrics = groups.filter((g) => !RESERVED.has(g));
    const dynamic = groups.includes("name") && groups.includes("value");
    if (groups.includes("name") !== groups.includes("value"))
      ctx.addIssue({ code: "custom", path: ["regex"], message: "the groups name and value go together: (?<name>...) names the metric whose number (?<value>...) captures" });
    else if (metrics.length === 0 && !dynamic)
      ctx.addIssue({ code: "custom", path: ["regex"], message: "no metric group: name a group after the metric, e.g. (?<loss>[\\d.]+), or use (?<name>...) with (?<value>...)" });
    for (const key of Object.keys(p.units)) {
      if (!dynamic && !metrics.includes(key))
        ctx.addIssue({ code: "custom", path: ["units", key], message: `"${key}" is not a metric group of the expression (groups: ${metrics.join(", ") || "none"})` });
    }
  });

const optionsSchema = z
  .strictObject({
    patterns: z.array(patternSchema).min(1).describe("Expressions applied to every line"),
    complete: regexSource.optional().describe("A line matching this marks the final summary; without it, the first sample does"),
  })
  .describe("Options of the regex parser");

type Options = z.output<typeof optionsSchema>;

interface Compiled {
  readonly re: RegExp;
  readonly units: Readonly<Record<string, string>>;
}

class RegexSession implements ParserSession {
  private readonly out: SampleCollector;
  private readonly patterns: readonly Compiled[];
  private readonly complete: RegExp | undefined;
  /** A long line was cut (said once, as a problem). */
  private cut = false;

  constructor(options: Options, session?: SessionOptions) {
    this.out = new SampleCollector(session);
    // `g` for matchAll; the expressions are stateless per line because matchAll copies them.
    this.patterns = options.patterns.map((p) => ({ re: new RegExp(p.regex, `${p.flags}g`), units: p.units }));
    this.complete = options.complete === undefined ? undefined : new RegExp(options.complete);
  }

  push(text: string, lineNumber: number, at?: number): void {
    this.out.lines++;
    let subject = text;
    if (text.length > MAX_MATCHED_LENGTH) {
      subject = text.slice(0, MAX_MATCHED_LENGTH);
      if (!this.cut) this.out.problem(lineNumber, `line longer than ${MAX_MATCHED_LENGTH} characters: the expressions were applied to its start only (also on later long lines)`);
      this.cut = true;
    }
    for (const { re, units } of this.patterns) {
      for (const match of subject.matchAll(re)) this.match(match.groups ?? {}, units, lineNumber, at);
    }
    if (this.complete?.test(subject)) this.out.complete = true;
  }

  finish() {
    if (this.complete === undefined && this.out.sampleCount > 0) this.out.complete = true;
    return this.out.result("regex");
  }

  private match(groups: Record<string, string | undefined>, units: Readonly<Record<string, string>>, line: number, at: number | undefined): void {
    const stepText = groups.step;
    const stepNumber = stepText === undefined ? undefined : numberToken(stepText);
    const step = stepText === undefined ? undefined : typeof stepNumber === "number" ? stepNumber : stepText;
    const metrics: [string, string][] = [];
    if (groups.name !== undefined && groups.value !== undefined) metrics.push([groups.name, groups.value]);
    for (const [group, text] of Object.entries(groups)) if (!RESERVED.has(group) && text !== undefined) metrics.push([group, text]);
    // A captured unit belongs to one metric; with several metric groups it would be a guess.
    const captured = metrics.length === 1 && groups.unit !== undefined && groups.unit !== "" ? groups.unit : undefined;
    for (const [name, text] of metrics) {
      const value = numberToken(text);
      if (value === undefined) {
        this.out.problem(line, `"${name}" captured ${JSON.stringify(text.slice(0, 40))}, which is not a number`);
        continue;
      }
      const sample: Sample = { name, value, line };
      const unit = captured ?? (Object.hasOwn(units, name) ? units[name] : undefined);
      if (unit !== undefined) sample.unit = unit;
      if (step !== undefined) sample.step = step;
      if (at !== undefined) sample.at = at;
      this.out.add(sample);
    }
  }
}

export const regexParser: LogParser = {
  name: "regex",
  description:
    "Any log: regular expressions from the options; each named group is a metric (groups step, unit, and name+value " +
    "are reserved). Example options: {\"patterns\": [{\"regex\": \"loss=(?<loss>[\\\\d.]+)\"}], \"complete\": \"^done\"}.",
  optionsSchema,
  create: (options?: unknown, session?: SessionOptions) => new RegexSession(parseOptions("regex", optionsSchema, options), session),
};
