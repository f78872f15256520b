/** The success lines of `mig -cgi`/`-cci` and `mig -dci`/`-dgi`; other lines (errors, warnings) are skipped. */
import { CreateOutput, DestroyOutput } from "./schemas.js";
import { validated } from "./validate.js";
import { profileName } from "./values.js";

const GI_CREATED = /^Successfully created GPU instance ID\s+(\d+) on GPU\s+(\d+) using profile (MIG \S+) \(ID\s+(\d+)\)/;
/** The older guide prints no compute-instance id: `Successfully created compute instance on GPU  0 …`. */
const CI_CREATED = /^Successfully created compute instance(?: ID\s+(\d+))? on GPU\s+(\d+) GPU instance ID\s+(\d+) using profile (MIG \S+) \(ID\s+(\d+)\)/;
const CI_DESTROYED = /^Successfully destroyed compute instance ID\s+(\d+) from GPU\s+(\d+) GPU instance ID\s+(\d+)/;
const GI_DESTROYED = /^Successfully destroyed GPU instance ID\s+(\d+) from GPU\s+(\d+)/;

const lines = (text: string): string[] => text.split(/\r?\n/).map((l) => l.trim());

export function parseCreateOutput(text: string): CreateOutput {
  const result: CreateOutput = { gpuInstances: [], computeInstances: [] };
  for (const line of lines(text)) {
    const gi = GI_CREATED.exec(line);
    if (gi) {
      result.gpuInstances.push({ instanceId: Number(gi[1]), gpuIndex: Number(gi[2]), profileName: profileName(gi[3] as string), profileId: Number(gi[4]) });
      continue;
    }
    const ci = CI_CREATED.exec(line);
    if (ci) {
      result.computeInstances.push({
        ...(ci[1] === undefined ? {} : { instanceId: Number(ci[1]) }),
        gpuIndex: Number(ci[2]),
        gpuInstanceId: Number(ci[3]),
        profileName: profileName(ci[4] as string),
        profileId: Number(ci[5]),
      });
    }
  }
  return validated(CreateOutput, result, "mig create output");
}

export function parseDestroyOutput(text: string): DestroyOutput {
  const result: DestroyOutput = { gpuInstances: [], computeInstances: [] };
  for (const line of lines(text)) {
    const ci = CI_DESTROYED.exec(line);
    if (ci) result.computeInstances.push({ instanceId: Number(ci[1]), gpuIndex: Number(ci[2]), gpuInstanceId: Number(ci[3]) });
    const gi = GI_DESTROYED.exec(line);
    if (gi) result.gpuInstances.push({ instanceId: Number(gi[1]), gpuIndex: Number(gi[2]) });
  }
  return validated(DestroyOutput, result, "mig destroy output");
}
