import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import express, { Router } from "express";

/**
 * The console's built files (apps/console/dist, made by `npm run build`), found from src/ (tests)
 * and dist/ (production) alike, as the spec is; the release keeps the same layout.
 */
export const CONSOLE_DIR = fileURLToPath(new URL("../../../console/dist/", import.meta.url));

/**
 * Scripts and styles are files of this origin only (none inline), the API is the only place it
 * talks to, and nothing else loads: no CDN, no fonts, no images from elsewhere.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const NOT_BUILT =
  "The console is not built: run `npm run build` (or `npm start`, which builds it) and reload.\n";

/**
 * The web console at /console: its assets (content-hashed, so cached for a year) and, for every
 * other path under /console/, its page, which routes in the browser. It talks to the API with the
 * key a person signs in with, like any other client.
 */
export function consoleRoutes(dir: string = CONSOLE_DIR): Router {
  const router = Router({ caseSensitive: true, strict: true });
  let page: string | undefined;
  const indexPage = () => {
    if (page === undefined && existsSync(`${dir}index.html`)) {
      page = readFileSync(`${dir}index.html`, "utf8");
    }
    return page;
  };

  router.use("/console", (_req, res, next) => {
    res.set("Content-Security-Policy", CONSOLE_CSP);
    next();
  });
  router.get("/console", (_req, res) => {
    res.redirect(301, "/console/");
  });
  const assets = express.static(`${dir}assets`, {
    index: false,
    // A missing file falls through to a plain 404 (not an error for the API's renderer).
    fallthrough: true,
    immutable: true,
    maxAge: "365d",
  });
  router.get("/console/assets/{*file}", (req, res, next) => {
    res.removeHeader("Cache-Control");
    req.url = req.url.slice("/console/assets".length);
    assets(req, res, (error?: unknown) => {
      if (error) return next(error);
      res.status(404).set("Cache-Control", "no-store").type("text/plain").send("Not found\n");
    });
  });
  router.get("/console/{*path}", (_req, res) => {
    const html = indexPage();
    if (html === undefined) {
      res.status(503).type("text/plain").send(NOT_BUILT);
      return;
    }
    // The page names the current assets: always ask again (it is tiny), never store it.
    res.type("html").send(html);
  });
  return router;
}
