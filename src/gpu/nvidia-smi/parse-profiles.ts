/** Profile listings: `mig -lgip` (79- and 81-column), `mig -lgipp`, `mig -lcip`. */
import { z } from "zod";
import { OutputFormatError } from "./errors.js";
import { CiProfileRow, GiPlacements, GiProfileRow } from "./schemas.js";
import { cellText, NO_LISTING, required, tableOrEmpty } from "./table.js";
import { validated } from "./validate.js";
import { freeTotal, profileName, toInt, toNumber } from "./values.js";

export function parseGiProfiles(text: string): GiProfileRow[] {
  const rows = tableOrEmpty(text, "mig -lgip").map((r) => {
    const instances = required(freeTotal(cellText(r, 0, ["Instances"]) ?? cellText(r, 0, ["Free/Total"])), "Instances Free/Total", r);
    const p2p = cellText(r, 0, ["P2P"]);
    return {
      gpuIndex: required(toInt(cellText(r, 0, ["GPU"])), "GPU", r),
      name: profileName(required(cellText(r, 0, ["Name"]), "Name", r)),
      profileId: required(toInt(cellText(r, 0, ["ID"])), "ID", r),
      free: instances.free,
      total: instances.total,
      memoryGiB: toNumber(cellText(r, 0, ["Memory"])),
      p2p: p2p === undefined ? undefined : p2p === "Yes",
      sms: toNumber(cellText(r, 0, ["SM"])),
      decoders: toNumber(cellText(r, 0, ["DEC"])),
      encoders: toNumber(cellText(r, 0, ["ENC"])),
      copyEngines: toNumber(cellText(r, 1, ["CE"])),
      jpegDecoders: toNumber(cellText(r, 1, ["JPEG"])),
      ofas: toNumber(cellText(r, 1, ["OFA"])),
    };
  });
  return validated(z.array(GiProfileRow), rows, "mig -lgip");
}

/** `GPU  0 Profile ID  9 Placements: {0,4}:4` and `… Placement : {0}:8`. */
const PLACEMENT_LINE = /^GPU\s+(\d+)\s+Profile\s+ID\s+(\d+)\s+Placements?\s*:\s*\{([\d,\s]*)\}\s*:\s*(\d+)\s*$/;

export function parseGiPlacements(text: string): GiPlacements[] {
  const rows = text
    .split(/\r?\n/)
    .map((line) => PLACEMENT_LINE.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      gpuIndex: Number(m[1]),
      profileId: Number(m[2]),
      starts: (m[3] ?? "").split(",").filter((s) => s.trim() !== "").map(Number),
      size: Number(m[4]),
    }));
  if (rows.length === 0 && text.trim() !== "" && !NO_LISTING.test(text)) throw new OutputFormatError(`mig -lgipp: no placement lines in "${text.trim().slice(0, 200)}"`);
  return validated(z.array(GiPlacements), rows, "mig -lgipp");
}

export function parseCiProfiles(text: string): CiProfileRow[] {
  const rows = tableOrEmpty(text, "mig -lcip").map((r) => {
    const id = required(cellText(r, 0, ["Profile"]), "Profile ID", r);
    const instances = required(freeTotal(cellText(r, 0, ["Instances"])), "Instances Free/Total", r);
    return {
      gpuIndex: required(toInt(cellText(r, 0, ["GPU"])), "GPU", r),
      gpuInstanceId: required(toInt(cellText(r, 0, ["GPU", "Instance"])), "GPU Instance ID", r),
      name: profileName(required(cellText(r, 0, ["Name"]), "Name", r)),
      profileId: required(toInt(id.replace("*", "")), "Profile ID", r),
      isDefault: id.endsWith("*"),
      free: instances.free,
      total: instances.total,
      sms: toNumber(cellText(r, 0, ["SM"])),
    };
  });
  return validated(z.array(CiProfileRow), rows, "mig -lcip");
}
