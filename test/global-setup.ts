/**
 * Tests that run `bench` or the simulated `nvidia-smi` as real executables need dist/ built from the
 * current sources, and its bundle (dist/bundle, which those executables load) made from that dist/;
 * `npm test` builds first, and this covers `npx vitest run` on its own.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = path.join(root, "dist");
const bundle = path.join(dist, "bundle");

/** Newest modification time of the files named *ext under dir, leaving out the folder `skip`. */
function newest(dir: string, ext: string, skip?: string): number {
  if (!existsSync(dir)) return 0;
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith(ext))
      .map((e) => path.join(e.parentPath, e.name))
      .filter((file) => skip === undefined || !file.startsWith(skip + path.sep))
      .map((file) => statSync(file).mtimeMs),
  );
}

async function step(what: string, command: string, args: string[]): Promise<void> {
  const result = await execa(command, args, { cwd: root, reject: false, all: true });
  if (result.exitCode !== 0) throw new Error(`${what} for the tests failed:\n${String(result.all)}`);
}

export default async function setup(): Promise<void> {
  if (newest(dist, ".js", bundle) < newest(path.join(root, "src"), ".ts")) await step("building dist/", "npx", ["tsc", "-p", "tsconfig.build.json"]);
  if (newest(bundle, ".js") < newest(dist, ".js", bundle)) await step("bundling dist/bundle", process.execPath, ["scripts/bundle.js"]);
}
