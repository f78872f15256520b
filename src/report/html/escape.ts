/**
 * HTML built by a tagged template that escapes every interpolated value unless it is already `Html`:
 * text from scenarios, logs, run directories and imported tables can never become markup by omission.
 */

/** Markup that is already safe (built by `html` or escaped). */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

const SPECIAL = /[&<>"']/g;

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  // Slices between matches rather than a replace callback: a report's embedded specs run to megabytes.
  SPECIAL.lastIndex = 0;
  let match = SPECIAL.exec(text);
  if (match === null) return text;
  let out = "";
  let from = 0;
  while (match !== null) {
    out += text.slice(from, match.index) + (ENTITIES[match[0]] as string);
    from = match.index + 1;
    match = SPECIAL.exec(text);
  }
  return out + text.slice(from);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? "");
  });
  return new Html(out);
}

/** Trusts markup produced elsewhere (vega's SVG, whose text it escapes itself; tests check it). */
export const trusted = (markup: string): Html => new Html(markup);
