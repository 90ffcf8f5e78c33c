// The console is served by the server at /console under a strict CSP: every script and style is
// a file of its own (no inline code), and nothing is loaded from another host.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/console/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  // `npm run dev -w @contacts/console`: the console with hot reload, the API of a server started
  // with `npm start` on port 3000 behind it (same origin for the browser, as in production).
  server: { proxy: { "/v2": "http://127.0.0.1:3000" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Chromium, Firefox and Safari of the last years all support modulepreload: no polyfill.
    modulePreload: { polyfill: false },
    // Every asset a file: a data: URL would need a wider CSP.
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
});
