import { createRequire } from "node:module";
import { dirname } from "node:path";
import express, { Router } from "express";

/** Swagger UI's files, served from node_modules: the docs work offline, with no CDN. */
const SWAGGER_UI_DIR = dirname(
  createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"),
);
const ASSETS = new Set([
  "swagger-ui.css",
  "swagger-ui-bundle.js",
  "favicon-32x32.png",
  "favicon-16x16.png",
]);

/** Swagger UI needs inline styles and data: images; everything else stays on this origin. */
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Contacts API</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// A file, not an inline script, so the CSP needs no 'unsafe-inline' for scripts.
const INIT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
});
`;

/** Interactive API docs at /docs, rendered from the spec the server runs on; `/` leads there. */
export function docsRoutes(): Router {
  const router = Router({ caseSensitive: true, strict: true });
  // Temporary (302): the root may serve something else one day.
  router.get("/", (_req, res) => {
    res.redirect(302, "/docs");
  });
  router.use("/docs", (_req, res, next) => {
    res.set("Content-Security-Policy", DOCS_CSP);
    next();
  });
  router.get("/docs", (_req, res) => {
    res.type("html").send(PAGE);
  });
  router.get("/docs/init.js", (_req, res) => {
    res.type("text/javascript").send(INIT);
  });
  const assets = express.static(SWAGGER_UI_DIR, { index: false, maxAge: "1h", fallthrough: false });
  router.get("/docs/assets/:file", (req, res, next) => {
    if (!ASSETS.has(req.params.file)) return next();
    res.removeHeader("Cache-Control");
    req.url = `/${req.params.file}`;
    assets(req, res, next);
  });
  return router;
}
