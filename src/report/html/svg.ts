/**
 * The one module that touches vega and vega-lite, whose types are loose: a chart's vega-lite spec is
 * compiled and rendered to an SVG string at build time, with a loader that refuses every request. The
 * specs inline their data, so a load attempt is a bug: it fails the chart rather than reaching out.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** A loader that answers every request with a refusal, and remembers what was asked. */
function offlineLoader(refused: string[]): vega.Loader {
  const refuse = (uri: string): Promise<never> => {
    refused.push(uri);
    return Promise.reject(new Error(`charts inline their data; refusing to load ${uri}`));
  };
  return { load: refuse, sanitize: refuse, http: refuse, file: refuse };
}

/** Renders a vega-lite spec to an SVG element for inline use (without XML namespace URLs, which HTML does not need). */
export async function renderChartSvg(spec: Readonly<Record<string, unknown>>): Promise<string> {
  const compiled = compile(spec as unknown as TopLevelSpec).spec;
  const refused: string[] = [];
  const view = new vega.View(vega.parse(compiled), { renderer: "none", loader: offlineLoader(refused), logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    if (refused.length > 0) throw new Error(`a chart asked for external resources (${refused.join(", ")}); charts must inline their data`);
    // Inline SVG in HTML takes its namespace from the parser; dropping the declarations keeps the page free of URLs.
    return svg.replace(/ xmlns(?::xlink)?="[^"]*"/g, "");
  } finally {
    view.finalize();
  }
}
