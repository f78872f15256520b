/**
 * For tests that need a real Docker engine: finds one, builds the test image (build-test-image.sh), and
 * says why not when it cannot. Without an engine the tests skip with the printed reason; with CI=true a
 * missing engine is a failure, because CI starts its own (.ci/start-dockerd.sh) and a skip there would
 * hide that the container tests never ran.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { connectEngine, listLabelledContainers } from "../../src/runtime/docker/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** Where .ci/start-dockerd.sh puts its engine's socket. */
const PROJECT_SOCKET = "/tmp/migbench-docker/docker.sock";
export const TEST_IMAGE = "migbench-test:local";

export type DockerForTests = { ok: true; host: string; image: string; imageId: string } | { ok: false; reason: string };

function engineHost(): string {
  if (process.env.DOCKER_HOST) return process.env.DOCKER_HOST;
  // The engine .ci/start-dockerd.sh starts, when a developer started it by hand.
  if (existsSync(PROJECT_SOCKET)) process.env.DOCKER_HOST = `unix://${PROJECT_SOCKET}`;
  return process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
}

async function probe(): Promise<DockerForTests> {
  const host = engineHost();
  try {
    await Promise.race([
      connectEngine().version(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("no answer within 5 s")), 5_000).unref()),
    ]);
  } catch (error) {
    return { ok: false, reason: `no Docker engine at ${host} (${error instanceof Error ? error.message : String(error)}); start one with .ci/start-dockerd.sh` };
  }
  const build = await execa(path.join(root, "test/docker/build-test-image.sh"), [TEST_IMAGE], { reject: false, all: true, env: { DOCKER_HOST: host } });
  if (build.exitCode !== 0) return { ok: false, reason: `building the test image failed:\n${String(build.all)}` };
  return { ok: true, host, image: TEST_IMAGE, imageId: String(build.stdout).trim().split("\n").at(-1) ?? "" };
}

/** Call at the top of a test file (top-level await), then `describe.skipIf(!docker.ok)`. */
export async function dockerForTests(suite: string): Promise<DockerForTests> {
  const found = await probe();
  if (!found.ok) {
    if (process.env.CI === "true") throw new Error(`${suite}: CI=true but the Docker tests cannot run: ${found.reason}`);
    console.warn(`${suite}: skipped: ${found.reason}`);
  }
  return found;
}

/** Containers of this run still on the engine (there must be none once a group or a run ended). */
export async function leftovers(runId: string): Promise<string[]> {
  return (await listLabelledContainers(runId)).map((c) => `${c.name} (${c.state})`);
}
