#!/usr/bin/env node
// Bundles the two executables that start often, `bench` and the simulated `nvidia-smi`, from the compiled
// dist/ into dist/bundle/ (run by `npm run build` after tsc). Loading ~250 small modules (zod, yaml, yargs
// and our own) costs more start-up time than compiling one file, and the simulator starts once per
// nvidia-smi call. Packages with native add-ons or that only reports need stay external: they load from
// node_modules when a command imports them. Code that must find the package's files uses package-root.ts,
// which works at both depths.
//
// The simulator is a CommonJS bundle with a V8 code cache beside it (bin/sim/nvidia-smi loads both): a
// CommonJS start skips the ES module loader, and the cache most of the compiling; about 25 ms of the
// 55 ms a call took above `node -e 0` (docs/performance.md). A cache from another V8 is refused and the
// bundle compiled as usual.
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = path.join(root, "dist", "bundle");

/** dockerode loads native add-ons (ssh2, cpu-features); vega and vega-lite load only for reports. */
const EXTERNAL = ["dockerode", "vega", "vega-lite"];

/** One build per executable: shared chunks would make the simulator load what only `bench` needs (zod's full API). */
const ENTRIES = {
  bench: { input: path.join(root, "dist", "cli", "main.js"), format: "esm", file: "[name].js" },
  "nvidia-smi": { input: path.join(root, "dist", "gpu", "sim", "main.js"), format: "cjs", file: "[name].cjs" },
};

rmSync(outDir, { recursive: true, force: true });
for (const [name, entry] of Object.entries(ENTRIES)) {
  await build({
    input: { [name]: entry.input },
    platform: "node",
    external: (id) => EXTERNAL.some((pkg) => id === pkg || id.startsWith(`${pkg}/`)),
    logLevel: "warn",
    output: {
      dir: outDir,
      format: entry.format,
      // The sources are ES modules, strict throughout; so is their CommonJS bundle.
      strict: true,
      entryFileNames: entry.file,
      chunkFileNames: `${name}-chunks/[name]-[hash].js`,
      // Whitespace and dead code only: names stay readable in stack traces.
      minify: { compress: true, mangle: false },
    },
  });
}
createRequire(import.meta.url)("../bin/sim/nvidia-smi").writeCodeCache();
