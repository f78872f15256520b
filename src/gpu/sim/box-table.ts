/**
 * The boxed tables of `nvidia-smi mig -l…`: a fixed width, a title, literal header lines, and records
 * of one or more lines whose cells sit at fixed columns, each record closed by a `+---+` border.
 */

/** Where a cell's text goes: `left` starts at `at`, `right` ends at `at` (0-based columns). */
export interface CellSlot {
  readonly at: number;
  readonly align: "left" | "right";
}

export interface BoxLayout {
  readonly width: number;
  readonly title: string;
  /** Header lines exactly as the tool prints them (including the `|` borders). */
  readonly header: readonly string[];
  /** Cell slots of each line of a record. */
  readonly lines: readonly (readonly CellSlot[])[];
}

export const left = (at: number): CellSlot => ({ at, align: "left" });
export const right = (at: number): CellSlot => ({ at, align: "right" });

const border = (width: number): string => `+${"-".repeat(width - 2)}+`;

function renderLine(width: number, slots: readonly CellSlot[], cells: readonly string[]): string {
  const chars = Array.from({ length: width }, (_, k): string => (k === 0 || k === width - 1 ? "|" : " "));
  slots.forEach((slot, k) => {
    const text = cells[k] ?? "";
    const from = slot.align === "left" ? slot.at : slot.at - text.length + 1;
    for (let c = 0; c < text.length; c++) {
      const at = from + c;
      if (at > 0 && at < width - 1) chars[at] = text[c] as string;
    }
  });
  return chars.join("");
}

/** Renders the table; `records[r][line][cell]` is the text of one cell. */
export function renderBox(layout: BoxLayout, records: readonly (readonly (readonly string[])[])[]): string[] {
  const { width } = layout;
  const out = [border(width), `| ${layout.title}`.padEnd(width - 1) + "|", ...layout.header, `|${"=".repeat(width - 2)}|`];
  for (const record of records) {
    layout.lines.forEach((slots, k) => out.push(renderLine(width, slots, record[k] ?? [])));
    out.push(border(width));
  }
  return out;
}
