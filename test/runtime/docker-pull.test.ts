/**
 * The pull path for real: Debian's docker-registry serves a private registry on loopback, a tiny image
 * (static busybox only) is pushed to it and removed from the engine, and the runtime must pull it with
 * progress and record the digest the registry gave it. Nothing leaves the machine.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, copyFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerRuntime } from "../../src/runtime/docker/index.js";
import { dockerForTests, leftovers } from "../docker/engine.js";

const REGISTRY_BIN = "/usr/bin/docker-registry";
const docker = await dockerForTests("docker pull tests");
const registryMissing = !existsSync(REGISTRY_BIN);
if (docker.ok && registryMissing) {
  const reason = `${REGISTRY_BIN} is missing (apt-get install docker-registry)`;
  if (process.env.CI === "true") throw new Error(`docker pull tests: CI=true but ${reason}`);
  console.warn(`docker pull tests: skipped: ${reason}`);
}

/** A free loopback port, found by letting the kernel pick one. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitForRegistry(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the registry did not answer at ${url}`);
}

let dir: string;
let registry: ChildProcess | undefined;
let ref = "";
let pushedDigest = "";

describe.skipIf(!docker.ok || registryMissing)("docker runtime: pulling a missing image", () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "migbench-registry-"));
    const port = await freePort();
    await writeFile(
      join(dir, "config.yml"),
      `version: 0.1\nlog: { level: error }\nstorage:\n  filesystem: { rootdirectory: ${join(dir, "data")} }\nhttp:\n  addr: 127.0.0.1:${port}\n`,
    );
    registry = spawn(REGISTRY_BIN, ["serve", join(dir, "config.yml")], { stdio: "ignore" });
    await waitForRegistry(`http://127.0.0.1:${port}/v2/`);

    // A one-layer image of its own, so that the pull really downloads (no layer shared with the engine).
    const rootfs = join(dir, "rootfs");
    await mkdir(join(rootfs, "bin"), { recursive: true });
    await copyFile("/bin/busybox", join(rootfs, "bin/busybox"));
    await symlink("busybox", join(rootfs, "bin/sh"));
    await writeFile(join(rootfs, "bin/marker"), randomBytes(16).toString("hex"));
    ref = `127.0.0.1:${port}/migbench-pull:${randomBytes(3).toString("hex")}`;
    await execa("tar", ["-C", rootfs, "-c", "."]).pipe("docker", ["import", "--change", "ENV PATH=/bin", "-", ref]);
    const push = await execa("docker", ["push", ref]);
    pushedDigest = /digest: (sha256:[0-9a-f]{64})/.exec(String(push.stdout))?.[1] ?? "";
    await execa("docker", ["image", "rm", ref]);
  }, 120_000);

  afterAll(async () => {
    if (ref) await execa("docker", ["image", "rm", ref], { reject: false });
    registry?.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  });

  it("pulls with progress before the GPU is touched, records the registry's digest, runs the image", async () => {
    expect(pushedDigest).toMatch(/^sha256:/);
    const runId = `test-${randomBytes(4).toString("hex")}`;
    const runtime = createDockerRuntime({ runId, gpuAccess: "env-only" });
    const notices: string[] = [];
    await runtime.preflight?.([ref], { onNotice: (m) => notices.push(m) });
    expect(notices[0]).toBe(`image ${ref} is not present locally: pulling it`);
    expect(notices.at(-1)).toMatch(new RegExp(`^pulling ${ref.replace(/[.:]/g, "\\$&")}: 1/1 layers, .*: done$`));

    const [outcome] = await runtime.runGroup([
      {
        instanceId: "pulled.1",
        command: ["sh", "-c", "echo pulled $NVIDIA_VISIBLE_DEVICES"],
        cwd: "/",
        env: {},
        device: { kind: "gpu", uuid: "GPU-00000000-0000-4000-8000-000000000001" },
        logFile: join(dir, "pulled.log"),
        image: ref,
      },
    ]);
    expect(outcome?.status, outcome?.message).toBe("ok");
    expect(outcome?.image?.ref).toBe(ref);
    expect(outcome?.image?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(outcome?.image?.digests).toEqual([`${ref.slice(0, ref.lastIndexOf(":"))}@${pushedDigest}`]);
    expect(await leftovers(runId)).toEqual([]);
  });
});
