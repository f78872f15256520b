import os from "node:os";
import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // GPU locks and journals of every test (and of every bench it starts) stay out of the user's state folder.
    env: { MIGBENCH_STATE_DIR: path.join(os.tmpdir(), `migbench-test-state-${process.pid}`) },
  },
});
