// Bundles the widget: node widget/build.mjs [--watch]  (run from the repository root)
// Prints raw and gzip sizes and fails when a bundle is over its budget.
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const watch = process.argv.includes("--watch");
const KB = 1024;

const common = {
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2019",
  platform: "browser",
  legalComments: "none",
  logLevel: "warning",
};

const bundles = [
  {
    name: "loader",
    budget: 5 * KB,
    files: ["loader.js"],
    options: { ...common, entryPoints: [join(here, "src/loader.ts")], outfile: join(dist, "loader.js") },
  },
  {
    name: "app",
    budget: 60 * KB,
    files: ["app.js", "app.css"],
    options: {
      ...common,
      entryPoints: [join(here, "src/app/main.tsx")],
      outfile: join(dist, "app.js"),
      jsx: "automatic",
      jsxImportSource: "preact",
    },
  },
];

/** Prints each output's sizes; returns false if the bundle is over budget. */
function report({ name, budget, files }) {
  let total = 0;
  for (const file of files) {
    const path = join(dist, file);
    const raw = readFileSync(path);
    const gzip = gzipSync(raw, { level: 9 }).length;
    total += gzip;
    console.log(`  ${relative(process.cwd(), path).padEnd(24)} ${kb(raw.length).padStart(9)} raw ${kb(gzip).padStart(9)} gzip`);
  }
  const ok = total <= budget;
  console.log(`  ${name}: ${kb(total)} gzip of ${kb(budget)} budget${ok ? "" : "  OVER BUDGET"}`);
  return ok;
}

const kb = (bytes) => `${(bytes / KB).toFixed(2)} KB`;

if (watch) {
  for (const bundle of bundles) {
    const reporter = {
      name: "report",
      setup(build) {
        build.onEnd((result) => {
          if (!result.errors.length) report(bundle);
        });
      },
    };
    const context = await esbuild.context({ ...bundle.options, plugins: [reporter] });
    await context.watch();
  }
  console.log("watching widget/src ...");
} else {
  try {
    await Promise.all(bundles.map((bundle) => esbuild.build(bundle.options)));
  } catch {
    process.exit(1); // esbuild has already printed the errors
  }
  const results = bundles.map(report);
  if (!results.every(Boolean)) {
    console.error("widget bundle over budget");
    process.exit(1);
  }
}
