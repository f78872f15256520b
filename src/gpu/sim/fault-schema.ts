/**
 * Injected failures, as the state file holds them: which command fails, on which call, and how. They let
 * tests (and anyone curious) drive the lifecycle's error paths through the real driver code:
 *
 *   "faults": [{ "command": "-cgi", "nth": 2, "error": "Insufficient Resources", "after": 1 }]
 *
 * - `command`: the option that names the command, as typed (`-cgi`, `-dgi`, `-mig`, `--gpu-reset`, `-L`, …).
 * - `nth`: which call of that command fails, counting from 1; every call when absent.
 * - `error`: one of nvidia-smi's reasons (printed in the tool's own lines, with its exit code); `hang` (no
 *   answer, no exit, until killed); `silent` (prints what success prints, exits 0, changes nothing: the
 *   "applied successfully, no devices created" case); `exit:N` (`Unknown Error`, exit N).
 * - `applied`: the change happens before the failure shows (the worst case for recovery).
 * - `after` (`-cgi` only): create this many of the listed instances first, then fail on the next one.
 */
import * as z from "zod/mini";
import { REASON } from "./messages.js";

const NAMED_ERRORS: readonly string[] = [...Object.values(REASON), "hang", "silent"];
const faultError = z
  .string()
  .check(z.refine((e) => NAMED_ERRORS.includes(e) || /^exit:\d{1,3}$/.test(e), 'expected one of nvidia-smi\'s reasons, "hang", "silent" or exit:N'));

/** Strict: a misspelt field (`nht`) would otherwise make a fault fire on every call. */
export const SimFault = z.strictObject({
  command: z.string().check(z.regex(/^--?[a-z][a-z-]*$/i, "expected the option that names the command, e.g. -cgi or --gpu-reset")),
  nth: z.optional(z.int().check(z.minimum(1))),
  error: faultError,
  applied: z.optional(z.boolean()),
  after: z.optional(z.int().check(z.minimum(0))),
  /** How long a `hang` lasts before the simulated tool gives up by itself (default: an hour). */
  hangMs: z.optional(z.int().check(z.minimum(1))),
});
export type SimFault = z.infer<typeof SimFault>;
