import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUNTIMES } from "../../src/runtime/index.js";
import { readLogLines } from "../../src/runtime/log-writer.js";
import { buildEnvironment, createProcessRuntime } from "../../src/runtime/process.js";
import type { GroupHooks, LaunchSpec } from "../../src/runtime/types.js";
import { CleanupTracker } from "../../src/runner/cleanup-tracker.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const node = process.execPath;
const workload = join(repo, "workloads/cpu-matmul/main.js");
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
// A short grace period keeps the kill tests fast; the default (10 s) is for real workloads.
const runtime = createProcessRuntime({ killGraceSeconds: 0.5 });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "migbench-runtime-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let serial = 0;
function spec(command: string[], overrides: Partial<LaunchSpec> = {}): LaunchSpec {
  const id = overrides.instanceId ?? `w.${++serial}`;
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

const matmul = (...args: string[]) => [node, workload, "--seconds", "0.4", "--warmup-seconds", "0.05", ...args];

async function logOf(file: string) {
  const lines = [];
  for await (const line of readLogLines(file)) lines.push(line);
  return lines;
}

/** JSON records a workload printed on stdout, from its log. */
async function recordsOf(file: string): Promise<Record<string, unknown>[]> {
  return (await logOf(file)).filter((l) => l.stream === "stdout" && l.text.startsWith("{")).map((l) => JSON.parse(l.text) as Record<string, unknown>);
}

/** Alive and not a zombie (an orphaned zombie may wait long for a reaper in a container). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !["Z", "X"].includes(stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3));
  } catch {
    return false;
  }
}


describe("process runtime", () => {
  it("is registered by name", async () => {
    expect((await RUNTIMES.process?.({ runId: "r", simulatedGpu: true }))?.name).toBe("process");
  });

  it("starts 7 cpu-matmul instances together, each on its own device, each with a summary", async () => {
    const specs = Array.from({ length: 7 }, () => spec(matmul()));
    const seen = new Map<string, number>();
    const outcomes = await runtime.runGroup(specs, {
      onLine: (id) => seen.set(id, (seen.get(id) ?? 0) + 1),
    });
    expect(outcomes.map((o) => o.instanceId)).toEqual(specs.map((s) => s.instanceId));
    for (const [i, outcome] of outcomes.entries()) {
      const s = specs[i] as LaunchSpec;
      expect(outcome).toMatchObject({ status: "ok", exitCode: 0, signal: null });
      expect(outcome.message).toBeUndefined();
      expect(outcome.startedAt).not.toBeNull();
      expect(outcome.firstOutputAt).not.toBeNull();
      expect(outcome.durationSeconds).toBeGreaterThan(0);
      expect(Date.parse(outcome.createdAt)).toBeLessThanOrEqual(Date.parse(outcome.startedAt as string));
      const records = await recordsOf(s.logFile);
      expect(records[0]).toMatchObject({ event: "start", device: s.device.uuid, size: 96 });
      expect(records.at(-1)).toMatchObject({ event: "summary" });
      expect(seen.get(s.instanceId)).toBe(records.length);
    }
  });

  it("keeps the others running when one fails", async () => {
    const specs = [spec(matmul()), spec(matmul("--fail-after", "0.1")), spec(matmul())];
    const [first, failing, last] = await runtime.runGroup(specs);
    expect(first?.status).toBe("ok");
    expect(last?.status).toBe("ok");
    expect(failing).toMatchObject({ status: "failed", exitCode: 3, signal: null, message: "exited with code 3" });
    const log = await logOf(specs[1]?.logFile as string);
    expect(log.some((l) => l.stream === "stderr" && /simulated failure/.test(l.text))).toBe(true);
    expect((await recordsOf(specs[2]?.logFile as string)).at(-1)).toMatchObject({ event: "summary" });
  });

  it("kills a hanging instance at its timeout, with its child processes", async () => {
    const pids: { child: number; grandchild: number }[] = [];
    const onLine: GroupHooks["onLine"] = (_id, stream, line) => {
      if (stream === "stdout" && line.startsWith('{"child"')) pids.push(JSON.parse(line) as { child: number; grandchild: number });
    };
    const specs = [spec([node, fixture("process-tree.mjs")], { timeoutSeconds: 1 }), spec(matmul("--seconds", "1.2"))];
    const [hung, other] = await runtime.runGroup(specs, { onLine });
    expect(hung).toMatchObject({ status: "timeout", exitCode: null, signal: "SIGTERM", message: "killed after 1 s timeout" });
    expect(hung?.durationSeconds).toBeGreaterThan(0.95);
    expect(other?.status).toBe("ok");
    expect(pids).toHaveLength(1);
    expect(alive(pids[0]!.child)).toBe(false);
    expect(alive(pids[0]!.grandchild)).toBe(false);
  });

  it("escalates to SIGKILL when the process tree ignores SIGTERM", async () => {
    // Abort once the tree has printed its pids, i.e. once its SIGTERM handlers are installed.
    const controller = new AbortController();
    let pids: { child: number; grandchild: number } | undefined;
    const [outcome] = await runtime.runGroup([spec([node, fixture("process-tree.mjs"), "--stubborn"])], {
      signal: controller.signal,
      onLine: (_id, _stream, line) => {
        if (!line.startsWith('{"child"')) return;
        pids = JSON.parse(line) as typeof pids;
        controller.abort();
      },
    });
    expect(outcome).toMatchObject({ status: "cancelled", signal: "SIGKILL" });
    expect(pids).toBeDefined();
    expect(alive(pids!.child) || alive(pids!.grandchild)).toBe(false);
  });

  it("cancels everything on abort and leaves no process behind", async () => {
    const controller = new AbortController();
    const specs = [spec(matmul("--hang")), spec(matmul("--hang")), spec([node, fixture("process-tree.mjs")])];
    const pids: number[] = [];
    const outcomes = runtime.runGroup(specs, {
      signal: controller.signal,
      onLine: (_id, stream, line) => {
        if (stream !== "stdout" || !line.startsWith("{")) return;
        const record = JSON.parse(line) as { pid?: number; child?: number; grandchild?: number };
        for (const pid of [record.pid, record.child, record.grandchild]) if (pid !== undefined) pids.push(pid);
        if (pids.length === 4) controller.abort();
      },
    });
    const results = await outcomes;
    for (const outcome of results) {
      expect(outcome).toMatchObject({ status: "cancelled", message: "cancelled", signal: "SIGTERM" });
      expect(outcome.startedAt).not.toBeNull();
    }
    expect(pids).toHaveLength(4);
    expect(pids.filter(alive)).toEqual([]);
  });

  it("reports each instance's states and lists what it is stopping while it stops", async () => {
    const controller = new AbortController();
    const cleanup = new CleanupTracker();
    const states: string[] = [];
    let during: string[] = [];
    const [outcome] = await runtime.runGroup([spec(matmul("--hang"), { instanceId: "hung.1" })], {
      signal: controller.signal,
      cleanup,
      onState: (id, state) => {
        states.push(`${id} ${state}`);
        if (state === "stopping") during = cleanup.inProgress();
      },
      onLine: () => controller.abort(),
    });
    expect(outcome?.status).toBe("cancelled");
    expect(states).toEqual(["hung.1 running", "hung.1 stopping", "hung.1 exited"]);
    expect(during).toEqual([expect.stringMatching(/^process group \d+ \(hung\.1\)$/)]);
    expect(cleanup.inProgress()).toEqual([]);
  });

  it("starts nothing when the signal is already aborted", async () => {
    const specs = [spec(matmul()), spec(matmul())];
    const outcomes = await runtime.runGroup(specs, { signal: AbortSignal.abort() });
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ status: "cancelled", startedAt: null, firstOutputAt: null, durationSeconds: 0, message: "cancelled before start" });
    }
    expect(await readFile(specs[0]?.logFile as string, "utf8")).toBe("");
  });

  it("writes every line in the log format, splitting \\r, partial writes, split UTF-8 and a last line without newline", async () => {
    const s = spec([node, fixture("output-edges.mjs")]);
    const lines: [string, string][] = [];
    const [outcome] = await runtime.runGroup([s], { onLine: (_id, stream, line) => lines.push([stream, line]) });
    expect(outcome?.status).toBe("ok");
    const expected = [
      ["stdout", "first half second half"],
      ["stderr", "warning: on stderr"],
      ["stdout", "progress  0%"],
      ["stdout", "progress 50%"],
      ["stdout", "progress 100%"],
      ["stdout", "price: €5"],
      ["stdout", ""],
      ["stdout", "no newline at the end"],
    ];
    expect(lines).toEqual(expected);
    const raw = await readFile(s.logFile, "utf8");
    const rawLines = raw.split("\n");
    expect(rawLines.pop()).toBe(""); // the file itself ends with a newline
    expect(rawLines).toHaveLength(expected.length);
    for (const [i, line] of rawLines.entries()) {
      expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (stdout|stderr)\| /);
      expect(line.slice(25)).toBe(`${expected[i]?.[0]}| ${expected[i]?.[1]}`);
    }
    const times = rawLines.map((l) => Date.parse(l.slice(0, 24)));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it("sets CUDA_VISIBLE_DEVICES to the device, adds the spec's environment, removes NVIDIA_VISIBLE_DEVICES", async () => {
    const script = "console.log(JSON.stringify({c: process.env.CUDA_VISIBLE_DEVICES, n: process.env.NVIDIA_VISIBLE_DEVICES ?? null, x: process.env.EXTRA}))";
    const s = spec([node, "-e", script], { env: { EXTRA: "yes", CUDA_VISIBLE_DEVICES: "0", NVIDIA_VISIBLE_DEVICES: "all" } });
    const [outcome] = await runtime.runGroup([s]);
    expect(outcome?.status).toBe("ok");
    expect(await recordsOf(s.logFile)).toEqual([{ c: s.device.uuid, n: null, x: "yes" }]);
    const env = buildEnvironment(s, { PATH: "/bin", NVIDIA_VISIBLE_DEVICES: "all", CUDA_VISIBLE_DEVICES: "1" });
    expect(env).toEqual({ PATH: "/bin", EXTRA: "yes", CUDA_VISIBLE_DEVICES: s.device.uuid });
  });

  it("reports instances that cannot start as errors and runs the rest", async () => {
    const good = spec(matmul());
    const specs = [
      spec(["/nonexistent/bin/workload"]),
      spec(matmul(), { cwd: join(dir, "no-such-dir") }),
      good,
      spec(matmul(), { instanceId: good.instanceId, logFile: join(dir, "dup.log") }),
      spec([]),
      spec(matmul(), { logFile: join(underARegularFile(), "x.log") }),
      spec(matmul(), { timeoutSeconds: -1 }),
    ];
    const outcomes = await runtime.runGroup(specs);
    expect(outcomes.map((o) => o.status)).toEqual(["error", "error", "ok", "error", "error", "error", "error"]);
    expect(outcomes[0]?.message).toMatch(/^could not start \/nonexistent\/bin\/workload: .*ENOENT/);
    expect(outcomes[0]?.startedAt).toBeNull();
    expect(outcomes[1]?.message).toMatch(/working directory .*no-such-dir does not exist/);
    expect(outcomes[3]?.message).toMatch(/duplicate instanceId/);
    expect(outcomes[4]?.message).toBe("empty command");
    expect(outcomes[5]?.message).toMatch(/cannot create log file/);
    expect(outcomes[6]?.message).toMatch(/timeoutSeconds must be a positive number/);
  });

  it("terminates processes an instance left running in its group", async () => {
    let pids: { child: number; grandchild: number } | undefined;
    const [outcome] = await runtime.runGroup([spec([node, fixture("process-tree.mjs"), "--exit"])], {
      onLine: (_id, _stream, line) => {
        if (line.startsWith('{"child"')) pids = JSON.parse(line) as typeof pids;
      },
    });
    expect(outcome).toMatchObject({ status: "ok", exitCode: 0 });
    expect(outcome?.message).toMatch(/processes it left running in its group were terminated/);
    expect(pids && alive(pids.grandchild)).toBe(false);
  });

  it("tells an out-of-memory failure from other failures", async () => {
    const oom = "console.error('torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB'); process.exit(1)";
    const [outcome] = await runtime.runGroup([spec([node, "-e", oom])]);
    expect(outcome).toMatchObject({ status: "oom", exitCode: 1, message: "out of memory (exited with code 1)" });
  });

  it("reports a crash by signal", async () => {
    const [outcome] = await runtime.runGroup([spec([node, "-e", "process.kill(process.pid, 'SIGSEGV')"])]);
    expect(outcome).toMatchObject({ status: "failed", exitCode: null, signal: "SIGSEGV", message: "killed by SIGSEGV" });
  });

  it("survives an onLine hook that throws", async () => {
    const [outcome] = await runtime.runGroup([spec(matmul())], {
      onLine: () => {
        throw new Error("hook bug");
      },
    });
    expect(outcome?.status).toBe("ok");
    expect(outcome?.message).toMatch(/onLine hook threw: hook bug/);
  });

  it("rejects a negative kill grace period", () => {
    expect(() => createProcessRuntime({ killGraceSeconds: -1 })).toThrow(/killGraceSeconds/);
  });
});

/** A path below a regular file, where no directory can be created. */
function underARegularFile(): string {
  return fileURLToPath(import.meta.url);
}
