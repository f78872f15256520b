/**
 * The workload start barrier (src/runtime/start-barrier.ts) through the process runtime: workloads that opt
 * in are released together once all are ready, a workload that never gets ready is released at the
 * timeout and recorded, one that dies first does not hold the others, and one that does not opt in starts
 * as before. Behaviour only: no assertion on how long anything took.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLogLines } from "../../src/runtime/log-writer.js";
import { createProcessRuntime } from "../../src/runtime/process.js";
import { groupSkew } from "../../src/runtime/skew.js";
import { GO_FIFO_VARIABLE, READY_FILE_VARIABLE } from "../../src/runtime/start-barrier.js";
import type { InstanceOutcome, LaunchSpec } from "../../src/runtime/types.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const node = process.execPath;
const fixture = fileURLToPath(new URL("./fixtures/barrier-workload.mjs", import.meta.url));
const matmul = [node, join(repo, "workloads/cpu-matmul/main.js"), "--seconds", "0.2", "--warmup-seconds", "0"];
const runtime = createProcessRuntime({ killGraceSeconds: 0.5 });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "migbench-barrier-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let serial = 0;
function spec(command: string[], overrides: Partial<LaunchSpec> = {}): LaunchSpec {
  const id = `b.${++serial}`;
  return {
    instanceId: id,
    command,
    cwd: repo,
    env: {},
    device: { kind: "mig", uuid: `MIG-00000000-0000-0000-0000-${String(serial).padStart(12, "0")}` },
    logFile: join(dir, `${id}.log`),
    ...overrides,
  };
}

const barrierSpec = (env: Record<string, string>, timeoutSeconds?: number) =>
  spec([node, fixture], { env, startBarrier: timeoutSeconds === undefined ? {} : { timeoutSeconds } });

async function firstLine(file: string) {
  for await (const line of readLogLines(file)) return line;
  return null;
}

const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);

function expectReleasedTogether(outcomes: InstanceOutcome[]) {
  const released = outcomes[0]?.barrier?.releasedAt;
  expect(released).toEqual(expect.any(String));
  for (const o of outcomes) {
    expect(o.status, o.message).toBe("ok");
    expect(o.barrier?.releasedAt).toBe(released);
    expect(ms(o.barrier?.readyAt)).toBeLessThanOrEqual(ms(released));
    // Nothing before the release: the first output at all is the first after it.
    expect(o.firstOutputAt).not.toBeNull();
    expect(o.barrier?.firstOutputAt).toBe(o.firstOutputAt);
    expect(ms(o.firstOutputAt)).toBeGreaterThanOrEqual(ms(released));
  }
}

describe("start barrier (process runtime)", () => {
  it("releases 4 cpu-matmul copies together: none prints its first record before the release", async () => {
    const specs = Array.from({ length: 4 }, () => spec(matmul, { startBarrier: {} }));
    const outcomes = await runtime.runGroup(specs);
    expectReleasedTogether(outcomes);
    for (const s of specs) expect(JSON.parse((await firstLine(s.logFile))?.text ?? "null")).toMatchObject({ event: "start" });
    const skew = groupSkew(outcomes);
    expect(skew.notReady).toEqual([]);
    expect(skew.barrierReleasedAt).toBe(outcomes[0]?.barrier?.releasedAt);
    expect(skew.releasedOutputSkewMs).toEqual(expect.any(Number));
  });

  it("waits for the slowest start-up, then releases all at once", async () => {
    const specs = [barrierSpec({ STARTUP_MS: "0" }), barrierSpec({ STARTUP_MS: "300" }), barrierSpec({ STARTUP_MS: "1200" })];
    const outcomes = await runtime.runGroup(specs);
    expectReleasedTogether(outcomes);
    // The release came after the last one got ready, so after the slow one's start-up.
    expect(ms(outcomes[0]?.barrier?.releasedAt)).toBeGreaterThanOrEqual(ms(outcomes[2]?.barrier?.readyAt));
    for (const s of specs) expect((await firstLine(s.logFile))?.text).toBe("go barrier");
  });

  it("releases the group at the timeout when one never gets ready, and records which", async () => {
    // It keeps initialising for longer than the timeout and never says it is ready.
    const specs = [barrierSpec({}, 1), barrierSpec({ NEVER_READY: "1", STARTUP_MS: "2500" }, 1), barrierSpec({}, 1)];
    const [a, never, b] = await runtime.runGroup(specs);
    expectReleasedTogether([a as InstanceOutcome, b as InstanceOutcome]);
    expect(never?.status).toBe("ok");
    expect(never?.barrier).toMatchObject({ readyAt: null, releasedAt: a?.barrier?.releasedAt });
    expect(never?.message).toMatch(/not ready at the start barrier, which released the group after its 1 s timeout/);
    expect(a?.message).toBeUndefined();
    const skew = groupSkew([a, never, b] as InstanceOutcome[]);
    expect(skew.notReady).toEqual([never?.instanceId]);
  });

  it("does not hold the others for one that exits before it is ready", async () => {
    // A 10-minute timeout: the group only ends in time if the dead one is not waited for.
    const specs = [barrierSpec({}, 600), barrierSpec({ EXIT_BEFORE_READY: "1", STARTUP_MS: "200" }, 600), barrierSpec({}, 600)];
    const [a, dead, b] = await runtime.runGroup(specs);
    expectReleasedTogether([a as InstanceOutcome, b as InstanceOutcome]);
    expect(dead).toMatchObject({ status: "failed", exitCode: 1, message: "exited with code 1" });
    expect(dead?.barrier?.readyAt).toBeNull();
    expect(groupSkew([a, dead, b] as InstanceOutcome[]).notReady).toEqual([dead?.instanceId]);
  }, 60_000);

  it("leaves a workload that does not opt in unaffected, in the same group", async () => {
    const specs = [barrierSpec({ STARTUP_MS: "800" }), spec([node, fixture]), barrierSpec({})];
    const [slow, plain, fast] = await runtime.runGroup(specs);
    expectReleasedTogether([slow as InstanceOutcome, fast as InstanceOutcome]);
    expect(plain?.status).toBe("ok");
    expect(plain?.barrier).toBeUndefined();
    expect((await firstLine(specs[1]?.logFile as string))?.text).toBe("go none");
    // It did not wait for the release.
    expect(ms(plain?.firstOutputAt)).toBeLessThan(ms(slow?.barrier?.releasedAt));
    expect(groupSkew([slow, plain, fast] as InstanceOutcome[]).notReady).toEqual([]);
  });

  it("without any opt-in, passes no barrier variables and records nothing", async () => {
    const probe = spec([node, "-e", `console.log(JSON.stringify([process.env.${READY_FILE_VARIABLE} ?? null, process.env.${GO_FIFO_VARIABLE} ?? null]))`]);
    const [outcome] = await runtime.runGroup([probe]);
    expect(outcome?.status).toBe("ok");
    expect(outcome?.barrier).toBeUndefined();
    expect((await firstLine(probe.logFile))?.text).toBe("[null,null]");
    expect(groupSkew([outcome as InstanceOutcome])).toEqual({ startSkewMs: 0, firstOutputSkewMs: 0 });
  });

  it("cancelled while waiting: killed, never released, the barrier's folder removed", async () => {
    // Never ready: prints where the barrier is, then idles until killed.
    const idle = [node, "-e", `console.log(process.env.${GO_FIFO_VARIABLE}); setInterval(() => {}, 1000)`];
    const controller = new AbortController();
    let fifo = "";
    const outcomes = await runtime.runGroup([spec(idle, { startBarrier: {} }), spec(idle, { startBarrier: {} })], {
      signal: controller.signal,
      onLine: (_id, _stream, line) => {
        fifo = line;
        controller.abort();
      },
    });
    for (const o of outcomes) {
      expect(o.status).toBe("cancelled");
      expect(o.barrier).toEqual({ readyAt: null, releasedAt: null, firstOutputAt: null });
    }
    expect(fifo).not.toBe("");
    expect(existsSync(join(fifo, ".."))).toBe(false);
  });
});
