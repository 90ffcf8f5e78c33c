import type { RequestHandler } from "express";

/** A caller's own id is kept when it is short and plain, so traces join up across services. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Gives every request an id, echoed in the `Request-Id` header of every response. */
export function requestId(newId: () => string): RequestHandler {
  return (req, res, next) => {
    const given = req.get("request-id");
    const id = given && ACCEPTED_REQUEST_ID.test(given) ? given : newId();
    res.locals.requestId = id;
    res.setHeader("Request-Id", id);
    next();
  };
}
