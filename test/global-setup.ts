/**
 * Tests that run `bench` or the simulated `nvidia-smi` as real executables need dist/ built from the
 * current sources; `npm test` builds first, and this covers `npx vitest run` on its own.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

const root = fileURLToPath(new URL("..", import.meta.url));

function newest(dir: string, ext: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith(ext))
      .map((e) => statSync(path.join(e.parentPath, e.name)).mtimeMs),
  );
}

export default async function setup(): Promise<void> {
  const built = existsSync(path.join(root, "dist")) ? newest(path.join(root, "dist"), ".js") : 0;
  if (built >= newest(path.join(root, "src"), ".ts")) return;
  const result = await execa("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root, reject: false, all: true });
  if (result.exitCode !== 0) throw new Error(`building dist/ for the tests failed:\n${String(result.all)}`);
}
