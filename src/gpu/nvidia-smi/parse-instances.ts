/** Instance listings: `mig -lgi` and `mig -lci`, newer (with Placement) and older formats. */
import { z } from "zod";
import { ComputeInstanceRow, GpuInstanceRow } from "./schemas.js";
import { cellText, required, tableOrEmpty } from "./table.js";
import { validated } from "./validate.js";
import { profileName, startSize, toInt } from "./values.js";

export function parseGpuInstances(text: string): GpuInstanceRow[] {
  const rows = tableOrEmpty(text, "mig -lgi").map((r) => ({
    gpuIndex: required(toInt(cellText(r, 0, ["GPU"])), "GPU", r),
    name: profileName(required(cellText(r, 0, ["Name"]), "Name", r)),
    profileId: required(toInt(cellText(r, 0, ["Profile"])), "Profile ID", r),
    instanceId: required(toInt(cellText(r, 0, ["Instance"])), "Instance ID", r),
    placement: startSize(cellText(r, 0, ["Placement"])),
  }));
  return validated(z.array(GpuInstanceRow), rows, "mig -lgi");
}

export function parseComputeInstances(text: string): ComputeInstanceRow[] {
  const rows = tableOrEmpty(text, "mig -lci").map((r) => ({
    gpuIndex: required(toInt(cellText(r, 0, ["GPU"])), "GPU", r),
    gpuInstanceId: required(toInt(cellText(r, 0, ["GPU", "Instance"])), "GPU Instance ID", r),
    name: profileName(required(cellText(r, 0, ["Name"]), "Name", r)),
    profileId: required(toInt(cellText(r, 0, ["Profile"])), "Profile ID", r),
    instanceId: required(toInt(cellText(r, 0, ["Instance", "ID"])), "Instance ID", r),
    placement: startSize(cellText(r, 0, ["Placement"])),
  }));
  return validated(z.array(ComputeInstanceRow), rows, "mig -lci");
}
