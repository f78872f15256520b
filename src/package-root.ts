/**
 * The migbench package's root folder and its package.json. Found by walking up from this module, because
 * the compiled code runs at two depths: as dist/ modules and as the bundled chunks in dist/bundle/.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return (root = dir);
    if (path.dirname(dir) === dir) throw new Error(`migbench's package.json was not found above ${start}; reinstall migbench`);
  }
}

/** The harness's name and version as its package.json gives them ("unknown" for what is missing). */
export function packageIdentity(): { name: string; version: string } {
  const pkg: unknown = JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8"));
  const field = (key: string): string | undefined => {
    const value = typeof pkg === "object" && pkg !== null ? (pkg as Record<string, unknown>)[key] : undefined;
    return typeof value === "string" ? value : undefined;
  };
  return { name: field("name") ?? "migbench", version: field("version") ?? "unknown" };
}
