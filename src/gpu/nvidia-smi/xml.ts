/**
 * A small, tolerant XML reader for `nvidia-smi -q -x`: elements, attributes and text. It skips the
 * declaration, DOCTYPE and comments, and closes elements left open (a closing tag closes everything
 * opened inside it), so a trimmed or hand-edited capture still reads.
 */

export interface XmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlNode[];
  text: string;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

const decode = (s: string): string =>
  s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, ref: string) => {
    if (ref.startsWith("#x") || ref.startsWith("#X")) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(Number(ref.slice(1)));
    return ENTITIES[ref] ?? whole;
  });

const TOKEN = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<![^>]*>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
const ATTR = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export function readXml(text: string): XmlNode {
  const root: XmlNode = { name: "#document", attrs: {}, children: [], text: "" };
  const stack: XmlNode[] = [root];
  for (const m of text.matchAll(TOKEN)) {
    const [, closing, name, attrText, selfClosing, chars] = m;
    const top = stack.at(-1) ?? root;
    if (chars !== undefined) {
      top.text += decode(chars);
    } else if (name === undefined) {
      continue; // declaration, DOCTYPE, comment
    } else if (closing) {
      const open = stack.map((n) => n.name).lastIndexOf(name);
      if (open > 0) stack.length = open;
    } else {
      const attrs = Object.fromEntries([...(attrText ?? "").matchAll(ATTR)].map((a) => [a[1] as string, decode(a[2] ?? a[3] ?? "")]));
      const node: XmlNode = { name, attrs, children: [], text: "" };
      top.children.push(node);
      if (!selfClosing) stack.push(node);
    }
  }
  return root;
}

/** The first descendant named `name`, searching depth first but never inside elements named in `skip`. */
export function find(node: XmlNode, name: string, skip: readonly string[] = []): XmlNode | undefined {
  for (const child of node.children) {
    if (child.name === name) return child;
    if (skip.includes(child.name)) continue;
    const found = find(child, name, skip);
    if (found) return found;
  }
  return undefined;
}

/** Every descendant named `name` (not looking inside a match). */
export function findAll(node: XmlNode, name: string): XmlNode[] {
  return node.children.flatMap((child) => (child.name === name ? [child] : findAll(child, name)));
}

/** Trimmed text of the first element at `path` (names of nested children) below `node`. */
export function textAt(node: XmlNode | undefined, ...path: string[]): string | undefined {
  let current = node;
  for (const name of path) current = current?.children.find((c) => c.name === name);
  const text = current?.text.trim();
  return text === undefined || text === "" ? undefined : text;
}
