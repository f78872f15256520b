/**
 * The docker runtime against a real engine and real containers (no fakes): start barrier and skew,
 * device pinning as the engine records it, the docker options, faults (crash, OOM, timeout, a start
 * that fails), cancellation, and that no labelled container outlives any of it.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectEngine, createDockerRuntime, LABELS, listLabelledContainers, removeLabelledContainers } from "../../src/runtime/docker/index.js";
import { readLogLines } from "../../src/runtime/log-writer.js";
import { groupSkew } from "../../src/runtime/skew.js";
import type { GpuAccess, InstanceState, LaunchSpec } from "../../src/runtime/types.js";
import { CleanupTracker } from "../../src/runner/cleanup-tracker.js";
import { dockerForTests, leftovers } from "../docker/engine.js";

const docker = await dockerForTests("docker runtime tests");
const image = docker.ok ? docker.image : "";
/**
 * `--ulimit memlock=-1` raises the hard limit, which needs CAP_SYS_RESOURCE. Sandboxes drop it (this
 * one's root has CapEff 0x1fffeffffff: bit 24 clear, hard RLIMIT_MEMLOCK 8 MiB), and then runc cannot
 * start such a container at all; the tests then use the hard limit as it is and check the failure.
 */
const canRaiseLimits = (BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "0"}`) & (1n << 24n)) !== 0n;
const memlockHard = Number(/^Max locked memory\s+\S+\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1] ?? "unlimited");
const matmul = (...args: string[]) => ["node", "/opt/migbench/workloads/cpu-matmul/main.js", "--seconds", "0.5", "--warmup-seconds", "0.05", ...args];

let dir: string;
let runId: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "migbench-docker-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  if (!docker.ok) return;
  // The contract: whatever happened in the test, no container of its run is left.
  expect(await leftovers(runId)).toEqual([]);
});

function runtime(gpuAccess: GpuAccess = "env-only") {
  runId = `test-${randomBytes(4).toString("hex")}`;
  return createDockerRuntime({ runId, gpuAccess, killGraceSeconds: 0.5 });
}

let serial = 0;
function spec(command: string[], overrides: Partial<LaunchSpec> = {}): LaunchSpec {
  const id = overrides.instanceId ?? `c.${++serial}`;
  return {
    instanceId: id,
    command,
    cwd: "/",
    env: { MIGBENCH_INSTANCE: id },
    device: { kind: "mig", uuid: `MIG-${randomBytes(4).toString("hex")}-0000-5000-8000-${String(serial).padStart(12, "0")}` },
    logFile: join(dir, `${id}.log`),
    image,
    ...overrides,
  };
}

async function logOf(file: string) {
  const lines = [];
  for await (const line of readLogLines(file)) lines.push(line);
  return lines;
}

/** The container of one instance of the current run, as the engine describes it. */
async function inspectInstance(instanceId: string) {
  const [found] = (await listLabelledContainers(runId)).filter((c) => c.instanceId === instanceId);
  if (!found) throw new Error(`no container for ${instanceId}`);
  return connectEngine().inspectContainer(found.id);
}

describe.skipIf(!docker.ok)("docker runtime (real engine)", () => {
  it("starts 7 containers together, each seeing only its own device, and measures the start skew", async () => {
    const rt = runtime();
    await rt.preflight?.([image]);
    // What the manifest's host record gets: the engine the containers run on.
    const engine = await connectEngine().version();
    expect(await rt.containerEngine?.()).toEqual({ name: "docker", ...engine });
    const specs = Array.from({ length: 7 }, () => spec(matmul()));
    const states: [string, InstanceState][] = [];
    const inspections: Promise<unknown>[] = [];
    const outcomes = await rt.runGroup(specs, {
      onState: (id, state) => {
        states.push([id, state]);
        // While it runs: the engine's own record of what the container was given.
        if (state === "running") inspections.push(inspectInstance(id).then((info) => ({ id, info })));
      },
    });
    for (const [i, outcome] of outcomes.entries()) {
      const s = specs[i] as LaunchSpec;
      expect(outcome, JSON.stringify(outcome)).toMatchObject({ instanceId: s.instanceId, status: "ok", exitCode: 0, gpuAccess: "env-only" });
      expect(outcome.image).toEqual({ ref: image, id: docker.ok ? docker.imageId : "", digests: [] });
      expect(Date.parse(outcome.createdAt)).toBeLessThanOrEqual(Date.parse(outcome.startedAt ?? ""));
      // The engine stamps StartedAt once containerd reports the start, which can be just after the first
      // bytes left the container: hence the tolerance.
      expect(Date.parse(outcome.startedAt ?? "")).toBeLessThanOrEqual(Date.parse(outcome.firstOutputAt ?? "") + 100);
      const records = (await logOf(s.logFile)).filter((l) => l.stream === "stdout").map((l) => JSON.parse(l.text) as Record<string, unknown>);
      // cpu-matmul echoes CUDA_VISIBLE_DEVICES: inside the container it is this instance's device only.
      expect(records[0]).toMatchObject({ event: "start", device: s.device.uuid, pid: 1 });
      expect(records.at(-1)).toMatchObject({ event: "summary" });
    }
    // Every container was created before the first one started.
    const lastCreated = Math.max(...outcomes.map((o) => Date.parse(o.createdAt)));
    expect(Math.min(...outcomes.map((o) => Date.parse(o.startedAt ?? "")))).toBeGreaterThanOrEqual(lastCreated);
    expect(states.filter(([, s]) => s === "created")).toHaveLength(7);
    expect(states.filter(([, s]) => s === "running")).toHaveLength(7);

    for (const { id, info } of (await Promise.all(inspections)) as { id: string; info: Awaited<ReturnType<typeof inspectInstance>> }[]) {
      const s = specs.find((x) => x.instanceId === id) as LaunchSpec;
      expect(info?.Config.Env).toEqual(expect.arrayContaining([`NVIDIA_VISIBLE_DEVICES=${s.device.uuid}`, `CUDA_VISIBLE_DEVICES=${s.device.uuid}`]));
      expect(info?.HostConfig.DeviceRequests ?? []).toEqual([]);
      expect(info?.Config.Labels?.[LABELS.instanceId]).toBe(id);
    }
    const skew = groupSkew(outcomes);
    console.info(`7 containers: start skew ${skew.startSkewMs} ms, first-output skew ${skew.firstOutputSkewMs} ms`);
    expect(skew.startSkewMs).not.toBeNull();
  });

  it("leaves no timer of its own running once a group has ended (one held `bench run` open 5 s after the last container)", async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;
    const rt = runtime();
    const before = timers();
    const outcomes = await rt.runGroup([spec(["/bin/sh", "-c", "echo one"]), spec(["/bin/sh", "-c", "echo two"])]);
    expect(outcomes.map((o) => o.status)).toEqual(["ok", "ok"]);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it("asks the engine for exactly the device with gpuAccess nvidia; without the NVIDIA runtime the start fails clearly", async () => {
    const rt = runtime("nvidia");
    const s = spec(["true"]);
    const recorded: Promise<unknown>[] = [];
    const [outcome] = await rt.runGroup([s], {
      onState: (id, state) => {
        if (state === "created") recorded.push(inspectInstance(id).then((info) => info?.HostConfig.DeviceRequests));
      },
    });
    const [requests] = await Promise.all(recorded);
    // The engine stores Count as 0: it was not sent with the DeviceIDs.
    expect(requests).toEqual([expect.objectContaining({ Driver: "nvidia", Count: 0, DeviceIDs: [s.device.uuid], Capabilities: [["gpu"]] })]);
    expect(outcome).toMatchObject({ status: "error", gpuAccess: "nvidia", startedAt: null, exitCode: null });
    expect(outcome?.message).toMatch(/could not start container .*nvidia/);
  });

  it("applies the scenario's docker block: mounts, workdir, shm size, ulimits, user, environment", async () => {
    const rt = runtime();
    const data = await mkdtemp(join(dir, "data-"));
    await writeFile(join(data, "input.txt"), "from the host\n");
    // World-writable: so that only the read-only mount can stop user 65534 from writing there.
    await chmod(data, 0o777);
    const probe = [
      "echo pwd=$(pwd)",
      "echo memlock=$(ulimit -l)",
      "echo stack=$(ulimit -s)",
      "echo shm=$(df -k /dev/shm | tail -1 | awk '{print $2}')",
      "echo input=$(cat /data/input.txt)",
      "echo uid=$(id -u)",
      "echo seed=$SEED",
      "touch /data/written 2>/dev/null && echo mount=rw || echo mount=ro",
    ].join("; ");
    const s = spec(["sh", "-c", probe], {
      env: { SEED: "42" },
      docker: {
        workdir: "/opt/migbench",
        shmSize: "64m",
        ulimits: { memlock: canRaiseLimits ? -1 : memlockHard, stack: 67108864 },
        mounts: [{ source: data, target: "/data", readOnly: true }],
        user: "65534",
        network: "none",
      },
    });
    const [outcome] = await rt.runGroup([s]);
    expect(outcome?.status, outcome?.message).toBe("ok");
    const said = Object.fromEntries((await logOf(s.logFile)).map((l) => l.text.split("=") as [string, string]));
    expect(said).toEqual({ pwd: "/opt/migbench", memlock: canRaiseLimits ? "unlimited" : String(memlockHard / 1024), stack: "65536", shm: "65536", input: "from the host", uid: "65534", seed: "42", mount: "ro" });
  });

  it.skipIf(canRaiseLimits)("says why a container cannot start where memlock=-1 is not permitted (no CAP_SYS_RESOURCE)", async () => {
    const rt = runtime();
    const [outcome] = await rt.runGroup([spec(["true"], { docker: { ulimits: { memlock: -1 } } })]);
    expect(outcome).toMatchObject({ status: "error", startedAt: null });
    expect(outcome?.message).toMatch(/error setting rlimit.*operation not permitted/);
  });

  it("isolates faults: a crash, an OOM kill and a timeout do not stop the others", async () => {
    const rt = runtime();
    const specs = [
      spec(matmul("--seconds", "1")),
      spec(["sh", "-c", "echo boom >&2; exit 3"]),
      // 200 MB into a shell variable under a 32 MiB limit (swap included): the kernel kills it.
      spec(["sh", "-c", "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived"], { docker: { memory: "32m" } }),
      // sleep as PID 1 ignores SIGTERM: the grace period's SIGKILL ends it.
      spec(["sleep", "60"], { timeoutSeconds: 1 }),
      spec(matmul("--seconds", "1")),
    ];
    const started = Date.now();
    const [first, crash, oom, hung, last] = await rt.runGroup(specs);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(first?.status).toBe("ok");
    expect(last?.status).toBe("ok");
    expect(crash).toMatchObject({ status: "failed", exitCode: 3, message: "exited with code 3" });
    expect((await logOf(specs[1]?.logFile as string)).map((l) => [l.stream, l.text])).toEqual([["stderr", "boom"]]);
    expect(oom).toMatchObject({ status: "oom", exitCode: 137 });
    expect(oom?.message).toMatch(/OOM killer \(container memory limit 32m\)/);
    expect(hung).toMatchObject({ status: "timeout", message: "killed after 1 s timeout" });
    expect(hung?.durationSeconds).toBeGreaterThanOrEqual(1);
    expect(hung?.durationSeconds).toBeLessThan(10);
  });

  it("reports a command that cannot run, behind the start gate or not, and runs the rest", async () => {
    const rt = runtime();
    const gated = spec(["no-such-binary", "--flag"]);
    const [bad, ungated, good] = await rt.runGroup([gated, spec(["no-such-binary"], { docker: { startGate: false } }), spec(["echo", "fine"])]);
    expect(bad).toMatchObject({ status: "error", exitCode: 127, message: "could not run no-such-binary in the container (exit 127: not found)" });
    expect((await logOf(gated.logFile)).map((l) => l.text).join("\n")).toMatch(/no-such-binary: not found/);
    // Without the gate the engine itself refuses to start the container.
    expect(ungated).toMatchObject({ status: "error", startedAt: null });
    expect(ungated?.message).toMatch(/could not start container .*no-such-binary/);
    expect(good?.status).toBe("ok");
  });

  it("releases gated containers at one instant, and runs without the gate when asked", async () => {
    const rt = runtime();
    const specs = [spec(matmul()), spec(matmul()), spec(matmul(), { docker: { startGate: false } })];
    const outcomes = await rt.runGroup(specs);
    expect(outcomes.map((o) => o.status)).toEqual(["ok", "ok", "ok"]);
    // The gated two share their start: the release.
    expect(outcomes[0]?.startedAt).toBe(outcomes[1]?.startedAt);
    expect(rt.settings).toEqual({ gpuAccess: "env-only", startGate: true });
    const gatedRecords = (await logOf(specs[0]?.logFile as string)).map((l) => JSON.parse(l.text) as Record<string, unknown>);
    expect(gatedRecords[0]).toMatchObject({ event: "start", pid: 1 });
  });

  it("holds cpu-matmul at the workload start barrier until all are ready, behind the gate or not, as any user", async () => {
    const rt = runtime();
    const specs = [spec(matmul(), { startBarrier: {} }), spec(matmul(), { startBarrier: {}, docker: { user: "1000:1000" } }), spec(matmul(), { startBarrier: {}, docker: { startGate: false } })];
    const outcomes = await rt.runGroup(specs);
    const released = outcomes[0]?.barrier?.releasedAt;
    expect(released).toEqual(expect.any(String));
    for (const [i, o] of outcomes.entries()) {
      expect(o.status, o.message).toBe("ok");
      expect(o.message).toBeUndefined();
      expect(o.barrier?.releasedAt).toBe(released);
      expect(Date.parse(o.barrier?.readyAt ?? "")).toBeLessThanOrEqual(Date.parse(released ?? ""));
      // Its first record came after the release.
      expect(o.barrier?.firstOutputAt).toBe(o.firstOutputAt);
      expect(Date.parse(o.firstOutputAt ?? "")).toBeGreaterThanOrEqual(Date.parse(released ?? ""));
      const first = (await logOf(specs[i]?.logFile as string))[0];
      expect(JSON.parse(first?.text ?? "null")).toMatchObject({ event: "start", pid: 1 });
    }
    expect(groupSkew(outcomes).notReady).toEqual([]);
  });

  it("releases a barrier at its timeout when a container never gets ready, and records which", async () => {
    const rt = runtime();
    // The protocol in a shell: create the ready file, open the FIFO for reading (blocks until the release).
    const ready = ["/bin/sh", "-c", 'touch "$MIGBENCH_READY_FILE" && : < "$MIGBENCH_GO_FIFO" && echo go'];
    const specs = [spec(ready, { startBarrier: { timeoutSeconds: 1 } }), spec(["/bin/sh", "-c", "sleep 3; echo late"], { startBarrier: { timeoutSeconds: 1 } })];
    const [a, never] = await rt.runGroup(specs);
    expect(a).toMatchObject({ status: "ok" });
    expect(a?.message).toBeUndefined();
    expect(Date.parse(a?.firstOutputAt ?? "")).toBeGreaterThanOrEqual(Date.parse(a?.barrier?.releasedAt ?? ""));
    expect(never).toMatchObject({ status: "ok", barrier: { readyAt: null, releasedAt: a?.barrier?.releasedAt } });
    expect(never?.message).toMatch(/not ready at the start barrier, which released the group after its 1 s timeout/);
    expect(groupSkew([a, never].filter((o) => o !== undefined)).notReady).toEqual([never?.instanceId]);
  });

  it("fails clearly on an image it cannot have, before and during a group", async () => {
    const rt = runtime();
    // Port 9 on loopback: nothing listens, so the pull fails at once without leaving the machine.
    const missing = "127.0.0.1:9/migbench-missing:1";
    await expect(rt.preflight?.([missing])).rejects.toThrow(/pulling image 127\.0\.0\.1:9\/migbench-missing:1 failed: .*connection refused/);
    const [outcome, other] = await rt.runGroup([spec(["true"], { image: missing }), spec(["true"])]);
    expect(outcome).toMatchObject({ status: "error" });
    expect(outcome?.message).toMatch(/pulling image .* failed/);
    expect(other?.status).toBe("ok");
  });

  it("cancels: every container stopped and removed, the cleanup listed while it happens", async () => {
    const rt = runtime();
    const controller = new AbortController();
    const cleanup = new CleanupTracker();
    const specs = [spec(["sleep", "60"]), spec(["sleep", "60"]), spec(matmul("--hang"))];
    let running = 0;
    let during: string[] = [];
    const started = Date.now();
    const outcomes = await rt.runGroup(specs, {
      signal: controller.signal,
      cleanup,
      onState: (_id, state) => {
        if (state === "running" && ++running === specs.length) {
          controller.abort();
          during = cleanup.inProgress();
        }
      },
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(outcomes.map((o) => o.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect(during).toHaveLength(3);
    expect(during[0]).toMatch(/^container migbench-test-.* \(c\.\d+\)$/);
    expect(cleanup.inProgress()).toEqual([]);
  });

  it("cancels before start: created containers are removed, none runs", async () => {
    const rt = runtime();
    const controller = new AbortController();
    controller.abort();
    const outcomes = await rt.runGroup([spec(["sleep", "60"]), spec(["sleep", "60"])], { signal: controller.signal });
    expect(outcomes.map((o) => [o.status, o.message, o.startedAt])).toEqual([
      ["cancelled", "cancelled before start", null],
      ["cancelled", "cancelled before start", null],
    ]);
  });

  it("finds and removes what a killed harness left: removeLabelledContainers", async () => {
    runtime(); // a fresh run id
    const engine = connectEngine();
    // What a harness killed with SIGKILL leaves: a labelled container, still running.
    const id = await engine.createContainer({
      Image: image,
      Cmd: ["sleep", "60"],
      Labels: { [LABELS.managed]: "true", [LABELS.runId]: runId, [LABELS.instanceId]: "orphan.1", [LABELS.owner]: "elsewhere:1" },
    });
    await engine.start(id);
    expect(await listLabelledContainers(runId)).toMatchObject([{ id, runId, instanceId: "orphan.1", state: "running", owner: "elsewhere:1" }]);
    const report = await removeLabelledContainers(runId);
    expect(report.removed.map((c) => c.id)).toEqual([id]);
    expect(report.failed).toEqual([]);
  });
});
