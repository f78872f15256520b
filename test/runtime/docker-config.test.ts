/** The docker runtime's pure parts: the create body, image pulls (with a fake engine), the skew. */
import { describe, expect, it } from "vitest";
import { containerConfig, containerEnv, ensureImage, parseSize, PullProgress } from "../../src/runtime/docker/index.js";
import type { Engine } from "../../src/runtime/docker/engine.js";
import { LABELS } from "../../src/runtime/docker/labels.js";
import { groupSkew } from "../../src/runtime/skew.js";
import type { LaunchSpec } from "../../src/runtime/types.js";

const uuid = "MIG-3bc7b4a9-4c5e-5a8d-9d35-42d6f7f54f07";
const spec = (overrides: Partial<LaunchSpec> = {}): LaunchSpec => ({
  instanceId: "bert.3",
  command: ["python", "run_squad.py", "--train_batch_size=4"],
  cwd: "/unused",
  env: { SEED: "1", CUDA_VISIBLE_DEVICES: "0,1" },
  device: { kind: "mig", uuid },
  logFile: "/tmp/x.log",
  image: "nvcr.io/nvidia/pytorch:20.11-py3",
  ...overrides,
});
const context = { runId: "20261125-a100-7x1g", gpuAccess: "nvidia" as const, nameSuffix: "a1b2c3", owner: "host:42" };

describe("container config", () => {
  it("pins the container to its MIG device through DeviceRequests, never with Count", () => {
    const config = containerConfig(spec(), context);
    expect(config.HostConfig?.DeviceRequests).toEqual([{ Driver: "nvidia", DeviceIDs: [uuid], Capabilities: [["gpu"]] }]);
    expect(config.HostConfig?.DeviceRequests?.[0]).not.toHaveProperty("Count");
    // An image's NVIDIA_VISIBLE_DEVICES=all must not widen it; the scenario's CUDA_VISIBLE_DEVICES is dropped.
    expect(config.Env).toEqual(["SEED=1", `NVIDIA_VISIBLE_DEVICES=${uuid}`]);
  });

  it("with env-only access sets both variables and requests no device", () => {
    const config = containerConfig(spec(), { ...context, gpuAccess: "env-only" });
    expect(config.HostConfig?.DeviceRequests).toBeUndefined();
    expect(containerEnv(spec(), "env-only")).toEqual(["SEED=1", `NVIDIA_VISIBLE_DEVICES=${uuid}`, `CUDA_VISIBLE_DEVICES=${uuid}`]);
  });

  it("carries the study's docker options, the argument array and the labels", () => {
    const config = containerConfig(
      spec({
        docker: {
          workdir: "/workspace/bert",
          shmSize: "1g",
          ulimits: { memlock: -1, stack: 67108864, nofile: { soft: 1024, hard: 4096 } },
          mounts: [{ source: "/raid/squad", target: "/data", readOnly: true }],
          user: "1000:1000",
          memory: "512m",
          network: "none",
        },
      }),
      context,
    );
    expect(config).toMatchObject({
      name: "migbench-20261125-a100-7x1g-bert.3-a1b2c3",
      Image: "nvcr.io/nvidia/pytorch:20.11-py3",
      Cmd: ["python", "run_squad.py", "--train_batch_size=4"],
      WorkingDir: "/workspace/bert",
      User: "1000:1000",
      Tty: false,
      Labels: { [LABELS.managed]: "true", [LABELS.runId]: context.runId, [LABELS.instanceId]: "bert.3", [LABELS.owner]: "host:42" },
    });
    expect(config.Entrypoint).toBeUndefined();
    expect(config.HostConfig).toMatchObject({
      ShmSize: 1024 ** 3,
      Memory: 512 * 1024 ** 2,
      MemorySwap: 512 * 1024 ** 2,
      NetworkMode: "none",
      Ulimits: [
        { Name: "memlock", Soft: -1, Hard: -1 },
        { Name: "stack", Soft: 67108864, Hard: 67108864 },
        { Name: "nofile", Soft: 1024, Hard: 4096 },
      ],
      Mounts: [{ Type: "bind", Source: "/raid/squad", Target: "/data", ReadOnly: true }],
    });
  });

  it("behind a start gate, waits in a shell that execs the image's entrypoint and the command", () => {
    const config = containerConfig(spec({ docker: { mounts: [{ source: "/raid/squad", target: "/data" }] } }), {
      ...context,
      gate: { hostDir: "/tmp/migbench-gate-x", imageEntrypoint: ["/opt/nvidia/nvidia_entrypoint.sh"] },
    });
    expect(config.Entrypoint).toEqual(["/bin/sh", "-c", 'read -r _ < /.migbench-gate/go || exit 125; exec "$@"', "migbench-start-gate"]);
    expect(config.Cmd).toEqual(["/opt/nvidia/nvidia_entrypoint.sh", "python", "run_squad.py", "--train_batch_size=4"]);
    expect(config.HostConfig?.Mounts).toEqual([
      { Type: "bind", Source: "/raid/squad", Target: "/data", ReadOnly: false },
      { Type: "bind", Source: "/tmp/migbench-gate-x", Target: "/.migbench-gate", ReadOnly: true },
    ]);
  });

  it("in a start barrier, mounts the barrier's folder read-write and names its files inside the container", () => {
    const config = containerConfig(spec(), { ...context, barrierDir: "/tmp/migbench-barrier-x" });
    expect(config.HostConfig?.Mounts).toEqual([{ Type: "bind", Source: "/tmp/migbench-barrier-x", Target: "/.migbench-barrier", ReadOnly: false }]);
    expect(config.Env).toEqual([
      "SEED=1",
      `NVIDIA_VISIBLE_DEVICES=${uuid}`,
      "MIGBENCH_READY_FILE=/.migbench-barrier/ready/bert.3",
      "MIGBENCH_GO_FIFO=/.migbench-barrier/go",
    ]);
    // Without it: neither the mount nor the variables.
    expect(containerConfig(spec(), context).Env?.some((e) => e.startsWith("MIGBENCH_"))).toBe(false);
  });

  it("refuses what Docker would refuse, with a message", () => {
    expect(() => containerConfig(spec({ image: undefined }), context)).toThrow(/has no image/);
    expect(() => parseSize("1gb")).toThrow(/invalid size "1gb"/);
    expect(parseSize("64k")).toBe(65536);
    expect(parseSize("100")).toBe(100);
  });
});

/** An engine that knows no image until it was pulled; only the calls ensureImage makes. */
function fakeEngine(events: unknown[], fail?: string): Engine & { pulls: string[] } {
  let present = false;
  const pulls: string[] = [];
  const unused = () => Promise.reject(new Error("not used"));
  return {
    pulls,
    version: () => Promise.resolve({ version: "fake", apiVersion: "1.41" }),
    inspectImage: (ref) =>
      Promise.resolve(
        present
          ? { Id: "sha256:feed", RepoTags: [ref], RepoDigests: ["registry.example/app@sha256:beef"], Config: { Entrypoint: ["/opt/nvidia/nvidia_entrypoint.sh"] } }
          : null,
      ),
    pullImage: async (ref, onEvent) => {
      pulls.push(ref);
      for (const event of events) onEvent(event as Parameters<typeof onEvent>[0]);
      if (fail) throw new Error(fail);
      present = true;
    },
    createContainer: unused,
    attach: unused,
    start: unused,
    wait: unused,
    inspectContainer: unused,
    kill: unused,
    remove: unused,
    listContainers: unused,
  };
}

describe("images", () => {
  const layerEvents = [
    { status: "Pulling from app", id: "1.0" },
    { status: "Already exists", id: "aaa" },
    { status: "Downloading", id: "bbb", progressDetail: { current: 10 * 1024 ** 2, total: 40 * 1024 ** 2 } },
    { status: "Downloading", id: "ccc", progressDetail: { current: 5 * 1024 ** 2, total: 10 * 1024 ** 2 } },
    { status: "Download complete", id: "ccc" },
    { status: "Pull complete", id: "ccc" },
  ];

  it("pulls a missing image with progress and records its ID and digests", async () => {
    const engine = fakeEngine(layerEvents);
    const notices: string[] = [];
    let clock = 0;
    const image = await ensureImage(engine, "registry.example/app:1.0", { pull: true, onNotice: (m) => notices.push(m), now: () => (clock += 1000) });
    expect(image.record).toEqual({ ref: "registry.example/app:1.0", id: "sha256:feed", digests: ["registry.example/app@sha256:beef"] });
    expect(image.entrypoint).toEqual(["/opt/nvidia/nvidia_entrypoint.sh"]);
    expect(engine.pulls).toEqual(["registry.example/app:1.0"]);
    expect(notices[0]).toBe("image registry.example/app:1.0 is not present locally: pulling it");
    expect(notices.at(-1)).toBe("pulling registry.example/app:1.0: 2/3 layers, 20 MiB of 50 MiB: done");
    // Rate-limited: one notice per 2 s of the fake clock, not one per record.
    expect(notices.length).toBeLessThan(layerEvents.length + 2);
  });

  it("uses a local image without pulling, and says why a pull failed", async () => {
    const engine = fakeEngine([]);
    await ensureImage(engine, "app:1", { pull: true });
    await ensureImage(engine, "app:1", { pull: true });
    expect(engine.pulls).toEqual(["app:1"]);
    await expect(ensureImage(fakeEngine([], "manifest unknown"), "app:2", { pull: true })).rejects.toThrow("pulling image app:2 failed: manifest unknown");
    await expect(ensureImage(fakeEngine([]), "app:3", { pull: false })).rejects.toThrow(/not present on the Docker engine, and pulling is off/);
  });

  it("summarises progress per layer", () => {
    const progress = new PullProgress("app:1.0");
    for (const event of layerEvents.slice(0, 4)) progress.push(event);
    expect(progress.describe()).toBe("pulling app:1.0: 1/3 layers, 15 MiB of 50 MiB");
  });
});

describe("start skew", () => {
  it("is the spread of starts and of first lines, ignoring instances that never started", () => {
    const at = (ms: number) => new Date(Date.UTC(2026, 10, 25, 14, 0, 0, ms)).toISOString();
    expect(
      groupSkew([
        { instanceId: "a", startedAt: at(100), firstOutputAt: at(300) },
        { instanceId: "b", startedAt: at(130), firstOutputAt: at(290) },
        { instanceId: "c", startedAt: null, firstOutputAt: null },
      ]),
    ).toEqual({ startSkewMs: 30, firstOutputSkewMs: 10 });
    expect(groupSkew([{ instanceId: "a", startedAt: null, firstOutputAt: null }])).toEqual({ startSkewMs: null, firstOutputSkewMs: null });
  });

  it("with a start barrier, is also the spread of the first output after the release, over the instances ready at it", () => {
    const at = (ms: number) => new Date(Date.UTC(2026, 10, 25, 14, 0, 0, ms)).toISOString();
    const released = at(500);
    const barrier = (readyAt: string | null, firstOutputAt: string | null) => ({ readyAt, releasedAt: released, firstOutputAt });
    expect(
      groupSkew([
        { instanceId: "a", startedAt: at(0), firstOutputAt: at(100), barrier: barrier(at(200), at(510)) },
        { instanceId: "b", startedAt: at(10), firstOutputAt: at(150), barrier: barrier(at(499), at(520)) },
        // Released by the timeout before it was ready: listed, and left out of the released spread.
        { instanceId: "c", startedAt: at(20), firstOutputAt: at(900), barrier: barrier(null, at(900)) },
        // Did not take part.
        { instanceId: "d", startedAt: at(5), firstOutputAt: at(6) },
      ]),
    ).toEqual({ startSkewMs: 20, firstOutputSkewMs: 894, barrierReleasedAt: released, notReady: ["c"], releasedOutputSkewMs: 10 });
  });
});
