#!/usr/bin/env node
// The `bench` / `migbench` command: the compiled, bundled CLI lives in dist/bundle (built by `npm install` or
// `npm run build`).
import("../dist/bundle/bench.js").catch((error) => {
  if (error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/bundle/bench.js")) {
    console.error("migbench is not built: run `npm install` (or `npm run build`) in the migbench folder first.");
    process.exit(3);
  }
  throw error;
});
