/** Cell values as nvidia-smi prints them: placeholders, units, numbers. */

/** `[N/A]`, `N/A`, `[Not Supported]`, `[Insufficient Permissions]`, `[Unknown Error]`, `-`, empty. */
const PLACEHOLDER = /^(\[[^\]]*\]|N\/A|Not Supported|-|)$/i;

/** The value, or undefined for a placeholder: a missing reading is never 0. */
export function present(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  return value === undefined || PLACEHOLDER.test(value) ? undefined : value;
}

/** Units the tool appends to numbers. */
const UNIT = /^(-?\d+(?:\.\d+)?)\s*(%|MiB|KiB|GiB|W|mW|MHz|C|J|mJ|V|mV|s|ms|us)$/;

export function stripUnit(value: string): string {
  return UNIT.exec(value)?.[1] ?? value;
}

export function toNumber(raw: string | undefined): number | undefined {
  const value = present(raw);
  if (value === undefined) return undefined;
  const n = Number(stripUnit(value));
  return Number.isFinite(n) ? n : undefined;
}

export function toInt(raw: string | undefined): number | undefined {
  const n = toNumber(raw);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

/** `MIG 1g.10gb` → `1g.10gb`. */
export const profileName = (raw: string): string => raw.trim().replace(/^MIG\s+/, "");

/** `7/7` → free 7, total 7. */
export function freeTotal(raw: string | undefined): { free: number; total: number } | undefined {
  const match = /^(\d+)\s*\/\s*(\d+)$/.exec(raw?.trim() ?? "");
  return match ? { free: Number(match[1]), total: Number(match[2]) } : undefined;
}

/** `6:1` → start 6, size 1. */
export function startSize(raw: string | undefined): { start: number; size: number } | undefined {
  const match = /^(\d+)\s*:\s*(\d+)$/.exec(raw?.trim() ?? "");
  return match ? { start: Number(match[1]), size: Number(match[2]) } : undefined;
}
