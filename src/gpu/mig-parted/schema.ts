/**
 * NVIDIA mig-parted's config file (api/spec/v1), as zod: `version: v1` and named `mig-configs`, each a
 * list of entries for sets of GPUs (`devices: all` or indices, optionally a PCI `device-filter`), with
 * `mig-enabled` and the `mig-devices` to create (profile name → count). mig-parted's own rules are
 * kept: mig-devices is required when MIG is enabled and forbidden when it is not.
 */
import { parse } from "yaml";
import { z } from "zod";

export const MigPartedEntry = z
  .strictObject({
    "device-filter": z.union([z.string(), z.array(z.string())]).optional(),
    devices: z.union([z.literal("all"), z.array(z.number().int().nonnegative()).min(1)]),
    "mig-enabled": z.boolean(),
    "mig-devices": z.record(z.string().regex(/^(\d+c\.)?\d+g\.\d+gb(\+me)?$/, "expected a profile such as 1g.5gb, 1c.4g.20gb or 1g.5gb+me"), z.number().int().nonnegative()).optional(),
  })
  .superRefine((entry, ctx) => {
    if (entry["mig-enabled"] && entry["mig-devices"] === undefined) {
      ctx.addIssue({ code: "custom", path: ["mig-devices"], message: "required when mig-enabled is true (write {} for MIG on with no devices)" });
    }
    if (!entry["mig-enabled"] && Object.values(entry["mig-devices"] ?? {}).some((n) => n > 0)) {
      ctx.addIssue({ code: "custom", path: ["mig-devices"], message: "MIG devices listed while mig-enabled is false" });
    }
  });
export type MigPartedEntry = z.infer<typeof MigPartedEntry>;

export const MigPartedConfig = z.strictObject({
  version: z.literal("v1"),
  "mig-configs": z.record(z.string().min(1), z.array(MigPartedEntry).min(1)).refine((c) => Object.keys(c).length > 0, { message: "at least one config is required" }),
});
export type MigPartedConfig = z.infer<typeof MigPartedConfig>;

/** A mig-parted file that cannot be used, with every reason (path inside the file: message). */
export class MigPartedError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.length === 1 ? problems[0] : problems.join("; ")}`);
    this.name = "MigPartedError";
  }
}

export function parseMigParted(text: string, file: string): MigPartedConfig {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new MigPartedError(file, [`not YAML: ${(error as Error).message.split("\n")[0] ?? ""}`]);
  }
  const result = MigPartedConfig.safeParse(data);
  if (!result.success) {
    throw new MigPartedError(
      file,
      result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "(top)"}: ${i.message}`),
    );
  }
  return result.data;
}
