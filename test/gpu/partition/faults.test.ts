/**
 * A fault injected at every nvidia-smi call of the lifecycle, one at a time: the driver refuses, hangs,
 * claims success while doing nothing, fails part-way, or fails after the change took effect. Whatever
 * happens, the simulated GPU ends exactly as it started, the lock and journal are gone, and a run that
 * stops says why with exit 3.
 */
import { afterAll, describe, expect, it } from "vitest";
import { EXIT, MigbenchError } from "../../../src/errors.js";
import { listLocks, openJournalFiles, type WantedLayout } from "../../../src/gpu/partition/index.js";
import type { SimFault } from "../../../src/gpu/sim/index.js";
import { gpusOf, lifecycle, makeHost, setFaults, wantedOfScenario, type HostOptions, removeTempDirs } from "./harness.js";

afterAll(removeTempDirs);

/** The option that names the command of an argument list (what a fault's `command` matches). */
export function commandOf(args: readonly string[]): string {
  const action = args.find((a) => /^(-cgi|-cci|-dci|-dgi|-lgi|-lci|-lgip|-lgipp|-lcip|-L|-mig|--gpu-reset|-q)$/.test(a) || a.startsWith("--query-"));
  return (action ?? "?").replace(/=.*$/, "");
}

/** Each call of a clean lifecycle as (command, nth call of that command). */
function callSites(calls: readonly (readonly string[])[]): { command: string; nth: number; args: string }[] {
  const seen = new Map<string, number>();
  return calls.map((args) => {
    const command = commandOf(args);
    const nth = (seen.get(command) ?? 0) + 1;
    seen.set(command, nth);
    return { command, nth, args: args.join(" ") };
  });
}

const CHANGES = new Set(["-cgi", "-cci", "-dci", "-dgi", "-mig"]);

function faultsFor(command: string, nth: number): { fault: SimFault; says: RegExp | null }[] {
  const base: { fault: SimFault; says: RegExp | null }[] = [{ fault: { command, nth, error: "In use by another client" }, says: /In use by another client/ }];
  if (CHANGES.has(command)) {
    base.push({ fault: { command, nth, error: "hang" }, says: /timed out/ });
    base.push({ fault: { command, nth, error: "hang", applied: true }, says: /timed out/ });
    base.push({ fault: { command, nth, error: "Unknown Error", applied: true }, says: null });
  }
  if (command === "-cgi") {
    base.push({ fault: { command, nth, error: "silent" }, says: null });
    base.push({ fault: { command, nth, error: "Insufficient Resources", after: 1 }, says: null });
  }
  return base;
}

const CASES: { name: string; scenario: string; host?: HostOptions }[] = [
  { name: "two-level A100 (-cgi, then -cci per GPU instance)", scenario: "scenarios/a100-40gb/two-level.yaml" },
  { name: "mixed H100 (-cgi ... -C)", scenario: "scenarios/h100-80gb/mixed-3g-4x1g.yaml" },
  {
    name: "full-GPU scenario on an A100 found with MIG on (disable, then enable again)",
    scenario: "scenarios/a100-40gb/table1-nomig-7-serial.yaml",
    host: { change: (s) => void (s.gpus[0] && (s.gpus[0].migMode = { current: "Enabled", pending: "Enabled" })) },
  },
];

describe.each(CASES)("faults at every step: $name", ({ scenario, host: hostOptions }) => {
  it("each leaves the GPU exactly as found, with exit 3 and the driver's reason when the run stops", async () => {
    const { wanted, model } = await wantedOfScenario(scenario);
    const clean = makeHost(model, hostOptions);
    expect((await lifecycle(clean, wanted)).error).toBeUndefined();
    const sites = callSites(clean.calls);
    expect(sites.filter((s) => CHANGES.has(s.command)).length).toBeGreaterThan(1);

    let stopped = 0;
    for (const site of sites) {
      for (const { fault, says } of faultsFor(site.command, site.nth)) {
        const host = makeHost(model, hostOptions);
        setFaults(host, [fault]);
        const outcome = await lifecycle(host, wanted as WantedLayout);
        const where = `${JSON.stringify(fault)} at "${site.args}"`;
        expect(gpusOf(host), where).toEqual(host.initialGpus);
        expect(outcome.problems, where).toEqual([]);
        expect(openJournalFiles(host.root), where).toEqual([]);
        expect(listLocks(host.root), where).toEqual([]);
        if (outcome.error) {
          stopped++;
          const exitCode = outcome.error instanceof MigbenchError ? outcome.error.exitCode : EXIT.environment;
          expect(exitCode, where).toBe(EXIT.environment);
          if (says) expect(outcome.error.message, where).toMatch(says);
        }
      }
    }
    expect(stopped).toBeGreaterThan(0);
  });
});
