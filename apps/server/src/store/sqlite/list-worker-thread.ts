// The list worker's thread: a read-only connection to the same SQLite file (WAL lets it read
// beside the writer) answering filtered list calls, so that their cost never blocks the event
// loop that serves every other request.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { CursorNotFoundError, QueryTooBroadError } from "../../contacts/contact-errors.js";
import { ContactLister } from "./contact-lister.js";
import type { ListJob, ListReply, ListWorkerData } from "./list-worker.js";

const { path, maxExaminedRows } = workerData as ListWorkerData;
const db = new Database(path, { readonly: true, fileMustExist: true });
db.pragma("busy_timeout = 5000");
const lister = new ContactLister(db, maxExaminedRows);

parentPort?.on("message", ({ id, workspaceId, query }: ListJob) => {
  let reply: ListReply;
  try {
    reply = { id, page: lister.list(workspaceId, query) };
  } catch (error) {
    reply =
      error instanceof QueryTooBroadError
        ? { id, error: "query_too_broad" }
        : error instanceof CursorNotFoundError
          ? { id, error: "cursor_not_found", cursor: error.cursor, parameter: error.parameter }
          : { id, error: "failed", message: (error as Error).message };
  }
  parentPort?.postMessage(reply);
});
