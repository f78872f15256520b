/** `bench cleanup`'s container half: containers of a harness process that died are removed, others kept. */
import os from "node:os";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { connectEngine, removeOrphanedContainers } from "../../src/runtime/docker/index.js";
import { containerLabels } from "../../src/runtime/docker/labels.js";
import { dockerForTests, leftovers } from "../docker/engine.js";

const docker = await dockerForTests("orphaned containers");

describe.skipIf(!docker.ok)("removeOrphanedContainers (real engine)", () => {
  it("removes the containers of a dead harness process on this host and keeps a live one's", async () => {
    const engine = connectEngine();
    const image = docker.ok ? docker.image : "";
    const exited = await execa("node", ["-e", "process.stdout.write(String(process.pid))"]);
    const deadOwner = `${os.hostname()}:${String(exited.stdout)}`;
    const liveOwner = `${os.hostname()}:${process.pid}`;
    const runId = `orphans-${process.pid}-${Date.now()}`;
    const create = (instance: string, owner: string): Promise<string> =>
      engine.createContainer({ Image: image, Cmd: ["sleep", "30"], Labels: containerLabels(runId, instance, owner) });
    const dead = await create("dead.1", deadOwner);
    const live = await create("live.1", liveOwner);
    await engine.start(dead);
    try {
      const report = await removeOrphanedContainers(engine);
      expect(report.removed.map((c) => c.instanceId)).toContain("dead.1");
      expect(report.removed.map((c) => c.instanceId)).not.toContain("live.1");
      expect((await leftovers(runId)).map((c) => c.split(" ")[0])).toHaveLength(1);
    } finally {
      await engine.remove(live);
      await engine.remove(dead);
    }
    expect(await leftovers(runId)).toEqual([]);
  });
});
