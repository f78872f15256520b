/** What a result records about where it was measured: the host, its container engine, the harness itself. */
import { readFile } from "node:fs/promises";
import os from "node:os";
import { execa } from "execa";
import { packageIdentity, packageRoot } from "../package-root.js";
import type { HostRecord } from "../results/index.js";
import type { Redactor } from "../results/redact.js";
import type { ContainerEngineRecord } from "../runtime/index.js";

/** The harness as its package.json names it, plus the git revision of a checkout. */
export async function harnessInfo(): Promise<{ name: string; version: string; gitRevision?: string }> {
  const git = await execa("git", ["rev-parse", "HEAD"], { cwd: packageRoot(), reject: false, timeout: 5_000 });
  const revision = git.exitCode === 0 ? String(git.stdout).trim() : "";
  return { ...packageIdentity(), ...(revision ? { gitRevision: revision } : {}) };
}

/** `PRETTY_NAME` of /etc/os-release (`Debian GNU/Linux 13 (trixie)`); undefined elsewhere. */
async function osName(): Promise<string | undefined> {
  const text = await readFile("/etc/os-release", "utf8").catch(() => "");
  const match = /^PRETTY_NAME=(?:"([^"]*)"|(.*))$/m.exec(text);
  return match ? (match[1] ?? match[2])?.trim() : undefined;
}

export function hostInfo(): Omit<HostRecord, "osName" | "containerEngine"> {
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
    kernelVersion: os.version(),
  };
}

/**
 * The host with what takes a look-up: the OS name, and the container engine when the run launches through
 * one (the runtime asks it; a process run records none rather than load a Docker client to ask).
 */
export async function hostRecord(containerEngine?: () => Promise<ContainerEngineRecord>): Promise<HostRecord> {
  const [name, engine] = await Promise.all([osName(), containerEngine?.().catch(() => undefined)]);
  return {
    ...hostInfo(),
    ...(name ? { osName: name } : {}),
    ...(engine ? { containerEngine: engine } : {}),
  };
}

/** Variables of the harness's environment that change what a GPU run measures; secrets masked. */
const RECORDED_VARIABLES = /^(CUDA_|NVIDIA_|NCCL_|OMP_|MIGBENCH_|PYTORCH_|HF_|TRANSFORMERS_|TORCH_|TF_(?:FORCE_GPU|GPU|XLA|ENABLE|CPP)|DOCKER_HOST$|LD_LIBRARY_PATH$)/;

export function recordedEnvironment(env: Readonly<Record<string, string | undefined>>, redactor: Redactor): Record<string, string> {
  const chosen = Object.fromEntries(
    Object.entries(env)
      .filter((entry): entry is [string, string] => entry[1] !== undefined && RECORDED_VARIABLES.test(entry[0]))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return redactor.env(chosen);
}
