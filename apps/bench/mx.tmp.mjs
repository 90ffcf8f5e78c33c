import http from "node:http";
import express from "express";
import autocannon from "autocannon";
const body = JSON.stringify({ _id: "contact_01H", external_id: "x", display_name: "Jane", email: "j@x.com", tags: ["a","b"], metadata: {a:1}, created: "2026", updated: "2026" });
function bare(req, res) { res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }); res.end(body); }
function mk() { const minimal = express(); minimal.set("etag", false);
minimal.use((req, res) => { res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }); res.end(body); }); return minimal; }
function reflServer(app) {
  const born = (Base, proto) => { function Born(...a) { return Reflect.construct(Base, a, Born); } Born.prototype = proto; return Born; };
  return http.createServer({ IncomingMessage: born(http.IncomingMessage, app.request), ServerResponse: born(http.ServerResponse, app.response) }, app);
}
function protoServer(app) {
  function Req(socket) { http.IncomingMessage.call(this, socket); }
  Req.prototype = app.request;
  function Res(req, opts) { http.ServerResponse.call(this, req, opts); }
  Res.prototype = app.response;
  return http.createServer({ IncomingMessage: Req, ServerResponse: Res }, app);
}
const kind = process.argv[2];
if (kind) {
  const s = (kind === "bare" ? http.createServer(bare) : kind === "minimal" ? http.createServer(mk()) : kind === "refl" ? reflServer(mk()) : protoServer(mk())).listen(0, "127.0.0.1", () => process.send(s.address().port));
} else {
  const { fork } = await import("node:child_process");
  for (const k of ["proto","minimal"]) {
    const c = fork(new URL(import.meta.url).pathname, [k]);
    const port = await new Promise((r) => c.once("message", r));
    const res = await autocannon({ url: `http://127.0.0.1:${port}/v2/contacts/contact_1`, connections: 10, duration: 3 });
    console.log(k, Math.round(res.requests.average), "req/s p99", res.latency.p99);
    c.kill();
  }
}
