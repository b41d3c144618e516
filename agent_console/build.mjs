// Bundles the agent console: node agent_console/build.mjs [--watch]
import * as esbuild from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = dirname(fileURLToPath(import.meta.url));
const outdir = join(root, "dist");
const watch = process.argv.includes("--watch");

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function reportSizes() {
  for (const name of ["app.js", "app.css"]) {
    const path = join(outdir, name);
    const data = readFileSync(path);
    const label = relative(process.cwd(), path) || path;
    console.log(`${label.padEnd(28)} ${kb(data.length).padStart(10)} raw ${kb(gzipSync(data, { level: 9 }).length).padStart(10)} gzip`);
  }
}

const sizePlugin = {
  name: "sizes",
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length === 0) reportSizes();
    });
  },
};

const options = {
  absWorkingDir: root,
  entryPoints: { app: "src/main.tsx" },
  outdir,
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2019",
  minify: !watch,
  sourcemap: watch ? "linked" : false,
  jsx: "automatic",
  jsxImportSource: "preact",
  tsconfig: join(root, "tsconfig.json"),
  define: { "process.env.NODE_ENV": watch ? '"development"' : '"production"' },
  legalComments: "none",
  logLevel: "warning",
  plugins: [sizePlugin],
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log("watching agent_console/src for changes ...");
} else {
  await esbuild.build(options);
}
