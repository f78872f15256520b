/** What a result records about where it was measured: the host and the harness itself. */
import { readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

const packageRoot = fileURLToPath(new URL("../../", import.meta.url));

export function harnessVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string" ? pkg.version : "unknown";
}

export async function harnessInfo(): Promise<{ name: string; version: string; gitRevision?: string }> {
  const git = await execa("git", ["rev-parse", "HEAD"], { cwd: packageRoot, reject: false, timeout: 5_000 });
  const revision = git.exitCode === 0 ? String(git.stdout).trim() : "";
  return { name: "migbench", version: harnessVersion(), ...(revision ? { gitRevision: revision } : {}) };
}

export function hostInfo(): { hostname: string; platform: string; release: string; arch: string; cpus: number; cpuModel: string; memoryBytes: number; node: string } {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryBytes: os.totalmem(),
    node: process.version,
  };
}
