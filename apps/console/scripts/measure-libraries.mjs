// `npm run measure -w @contacts/console`: what each candidate UI and chart library adds to the
// console, measured the same way for each: a small entry that uses what the console needs,
// bundled for browsers with esbuild (minified, tree-shaken), gzipped at level 9. The figures in
// the README come from this script. Solid's entry calls the runtime functions its JSX compiles
// to (template, insert, createComponent), so no compiler plugin is needed to measure it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const CANDIDATES = {
  "preact 11 (+ hooks)": `
    import { h, render } from "preact";
    import { useEffect, useState } from "preact/hooks";
    function Counter() {
      const [n, setN] = useState(0);
      useEffect(() => { document.title = String(n); }, [n]);
      return h("button", { onClick: () => setN(n + 1) }, "Clicked ", n);
    }
    render(h(Counter, null), document.body);`,
  "solid-js 1.9 (web)": `
    import { createEffect, createSignal } from "solid-js";
    import { createComponent, delegateEvents, insert, render, template } from "solid-js/web";
    const tmpl = template("<button>Clicked </button>");
    function Counter() {
      const [n, setN] = createSignal(0);
      createEffect(() => { document.title = String(n()); });
      const el = tmpl();
      el.$$click = () => setN(n() + 1);
      insert(el, n, null);
      return el;
    }
    render(() => createComponent(Counter, {}), document.body);
    delegateEvents(["click"]);`,
  "uplot 1.6 (+ its CSS)": `
    import uPlot from "uplot";
    import "uplot/dist/uPlot.min.css";
    new uPlot({ width: 600, height: 240, series: [{}, { paths: uPlot.paths.bars({ size: [0.8] }) }] },
      [[1, 2, 3], [3, 1, 2]], document.body);`,
  "chart.js 4.6 (bar + line, tree-shaken)": `
    import { BarController, BarElement, CategoryScale, Chart, LinearScale, LineController,
      LineElement, PointElement, Tooltip } from "chart.js";
    Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController,
      LineElement, PointElement, Tooltip);
    new Chart(document.createElement("canvas"), { type: "bar",
      data: { labels: ["a", "b"], datasets: [{ data: [1, 2] }] } });`,
};

const here = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "console-measure-"));
try {
  process.stdout.write("library                                      minified     gzipped\n");
  for (const [name, code] of Object.entries(CANDIDATES)) {
    const entry = join(here, `.measure-${process.pid}.js`);
    writeFileSync(entry, code);
    try {
      await build({
        entryPoints: [entry],
        bundle: true,
        minify: true,
        format: "esm",
        platform: "browser",
        target: "es2022",
        outdir: work,
        entryNames: "out",
        logLevel: "error",
      });
    } finally {
      rmSync(entry, { force: true });
    }
    let raw = 0;
    let gzip = 0;
    for (const file of ["out.js", "out.css"]) {
      let bytes;
      try {
        bytes = readFileSync(join(work, file));
      } catch {
        continue;
      }
      raw += bytes.length;
      gzip += gzipSync(bytes, { level: 9 }).length;
      rmSync(join(work, file));
    }
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`.padStart(9);
    process.stdout.write(`${name.padEnd(42)} ${kb(raw)}   ${kb(gzip)}\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
