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
import { z } from "zod";
import { REASON } from "./messages.js";

const faultError = z.union([
  z.enum(Object.values(REASON) as [string, ...string[]]),
  z.literal("hang"),
  z.literal("silent"),
  z.string().regex(/^exit:\d{1,3}$/, "expected exit:N"),
]);

export const SimFault = z.strictObject({
  command: z.string().regex(/^--?[a-z][a-z-]*$/i, "expected the option that names the command, e.g. -cgi or --gpu-reset"),
  nth: z.number().int().min(1).optional(),
  error: faultError,
  applied: z.boolean().optional(),
  after: z.number().int().min(0).optional(),
  /** How long a `hang` lasts before the simulated tool gives up by itself (default: an hour). */
  hangMs: z.number().int().min(1).optional(),
});
export type SimFault = z.infer<typeof SimFault>;
