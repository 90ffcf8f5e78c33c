// The list worker's thread: a read-only connection to the same SQLite file (WAL lets it read
// beside the writer) answering filtered list calls and top lists over periods other than the
// window, so that their cost never blocks the event loop that serves every other request.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { CursorNotFoundError, QueryTooBroadError } from "../../contacts/contact-errors.js";
import { ContactLister } from "./contact-lister.js";
import type {
  ListJob,
  ListReply,
  ListWorkerData,
  WorkerAnswers,
  WorkerCall,
} from "./list-worker.js";
import { UsageTopReader } from "./usage-top-reader.js";

const { path, maxExaminedRows } = workerData as ListWorkerData;
const db = new Database(path, { readonly: true, fileMustExist: true });
db.pragma("busy_timeout = 5000");
const lister = new ContactLister(db, maxExaminedRows);
const topReader = new UsageTopReader(db);

function answer(workspaceId: string, call: WorkerCall): WorkerAnswers[WorkerCall["kind"]] {
  switch (call.kind) {
    case "list":
      return lister.list(workspaceId, call.query);
    case "top":
      return topReader.top(workspaceId, call.by, call.fromDay, call.toDay, call.limit);
  }
}

parentPort?.on("message", ({ id, workspaceId, call }: ListJob) => {
  let reply: ListReply;
  try {
    reply = { id, answer: answer(workspaceId, call) };
  } catch (error) {
    reply =
      error instanceof QueryTooBroadError
        ? { id, error: "query_too_broad" }
        : error instanceof CursorNotFoundError
          ? { id, error: "cursor_not_found", cursor: error.cursor, parameter: error.parameter }
          : {
              id,
              error: "failed",
              message: (error as Error).message,
              // SQLITE_BUSY and the like: the main thread maps them as if raised there.
              code: (error as { code?: unknown }).code,
            };
  }
  parentPort?.postMessage(reply);
});
