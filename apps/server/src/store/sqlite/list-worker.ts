// Expensive reads run on worker threads with read-only connections, so that a workspace sending
// them costs the event loop only their HTTP handling: filtered list calls (search, tags) and top
// lists over periods other than the window. Workspaces take turns for the threads (fair-turns.ts),
// and each may have only so many calls (of both kinds together) running or waiting.
import { Worker } from "node:worker_threads";
import { CursorNotFoundError, QueryTooBroadError } from "../../contacts/contact-errors.js";
import type { ContactPage, ContactStore, ListContactsQuery } from "../../contacts/contact-store.js";
import type { TopBy } from "../../usage/usage.js";
import type { TopEntry } from "../../usage/usage-store.js";
import { DEFAULT_SHARE, FairTurns } from "../fair-turns.js";
import type { TopLists } from "./sqlite-usage-store.js";

export interface ListWorkerData {
  path: string;
  maxExaminedRows?: number;
}
/** A call the threads answer, by kind; its answer is `WorkerAnswers[kind]`. */
export type WorkerCall =
  | { kind: "list"; query: ListContactsQuery }
  | { kind: "top"; by: TopBy; fromDay: number; toDay: number; limit: number };
export interface WorkerAnswers {
  list: ContactPage;
  top: TopEntry[];
}
export interface ListJob {
  id: number;
  workspaceId: string;
  call: WorkerCall;
}
export type ListReply =
  | { id: number; answer: WorkerAnswers[WorkerCall["kind"]] }
  | { id: number; error: "query_too_broad" }
  | {
      id: number;
      error: "cursor_not_found";
      cursor: string;
      parameter: CursorNotFoundError["parameter"];
    }
  | { id: number; error: "failed"; message: string; code?: unknown };

export interface ListWorkersOptions extends ListWorkerData {
  /** Worker threads; each holds one read-only connection. */
  threads: number;
  /** Calls a workspace may have running or waiting; more are refused (429). */
  maxQueuedPerWorkspace?: number;
}

/** Threads that die before answering anything, in a row, before no more are started. */
const MAX_FAILED_STARTS = 3;

/** The call a thread runs, with what settles it. */
interface Running {
  resolve(answer: unknown): void;
  reject(error: Error): void;
}

interface Thread {
  worker: Worker;
  running?: Running | undefined;
}

/** Runs ContactLister and UsageTopReader calls on worker threads, fairly across workspaces. */
export class ListWorkers implements Pick<ContactStore, "list">, TopLists {
  /** Thread i runs the calls of slot i. */
  private readonly threads: Thread[] = [];
  private readonly turns: FairTurns;
  private nextId = 1;
  private closed = false;
  /** Set when threads keep failing to start: no thread would. */
  private broken: Error | undefined;
  /** Threads that died before answering anything, in a row. */
  private failedStarts = 0;

  constructor(private readonly options: ListWorkersOptions) {
    const threads = Math.max(1, options.threads);
    this.turns = new FairTurns({
      slots: threads,
      maxInFlightPerWorkspace: options.maxQueuedPerWorkspace ?? DEFAULT_SHARE,
    });
    for (let i = 0; i < threads; i++) this.threads.push(this.spawn());
  }

  list(workspaceId: string, query: ListContactsQuery): Promise<ContactPage> {
    return this.run(workspaceId, { kind: "list", query });
  }

  top(
    workspaceId: string,
    by: TopBy,
    fromDay: number,
    toDay: number,
    limit: number,
  ): Promise<TopEntry[]> {
    return this.run(workspaceId, { kind: "top", by, fromDay, toDay, limit });
  }

  private run<C extends WorkerCall>(
    workspaceId: string,
    call: C,
  ): Promise<WorkerAnswers[C["kind"]]> {
    if (this.broken) return Promise.reject(this.broken);
    return this.turns.run(workspaceId, (slot) => {
      const thread = this.threads[slot] as Thread;
      return new Promise((resolve, reject) => {
        const id = this.nextId++;
        // The thread answers a call of kind C with WorkerAnswers[C["kind"]].
        thread.running = {
          resolve: (answer) => resolve(answer as WorkerAnswers[C["kind"]]),
          reject,
        };
        thread.worker.postMessage({ id, workspaceId, call } satisfies ListJob);
      });
    });
  }

  /** Stops the threads; calls still waiting fail. */
  async close(): Promise<void> {
    this.closed = true;
    const closed = new Error("the list workers are closed");
    this.turns.close(closed);
    for (const thread of this.threads) this.settle(thread, (running) => running.reject(closed));
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }

  /** Settles the thread's running call, if any; its slot goes to the next turn. */
  private settle(thread: Thread, settle: (running: Running) => void): void {
    const running = thread.running;
    thread.running = undefined;
    if (running) settle(running);
  }

  private spawn(): Thread {
    const worker = startThread({
      path: this.options.path,
      ...(this.options.maxExaminedRows !== undefined && {
        maxExaminedRows: this.options.maxExaminedRows,
      }),
    });
    const thread: Thread = { worker };
    // Whether this thread ever answered: one that dies before it did failed to start.
    let answered = false;
    worker.on("message", (reply: ListReply) => {
      answered = true;
      this.failedStarts = 0;
      this.settle(thread, (running) => {
        if ("answer" in reply) running.resolve(reply.answer);
        else if (reply.error === "query_too_broad") running.reject(new QueryTooBroadError());
        else if (reply.error === "cursor_not_found")
          running.reject(new CursorNotFoundError(reply.cursor, reply.parameter));
        else running.reject(threadError(reply.message, reply.code));
      });
    });
    // A thread that dies fails its call and is replaced; the others go on. Threads that die
    // before answering anything, MAX_FAILED_STARTS in a row (a broken install, a database file
    // gone), are not replaced: every call fails with their error instead of a thread respawning
    // without end. 'exit' always follows 'error'.
    let failure: Error | undefined;
    worker.on("error", (error: unknown) => {
      failure = asError(error);
    });
    worker.on("exit", () => {
      if (this.closed) return;
      const error = failure ?? new Error("list worker exited");
      if (!answered && ++this.failedStarts >= MAX_FAILED_STARTS) this.broken ??= error;
      this.settle(thread, (running) => running.reject(this.broken ?? error));
      if (this.broken) return this.turns.close(this.broken);
      const index = this.threads.indexOf(thread);
      try {
        if (index >= 0) this.threads[index] = this.spawn();
      } catch (spawnError) {
        this.broken = spawnError as Error;
        this.turns.close(this.broken);
      }
    });
    worker.unref();
    return thread;
  }
}

/**
 * What a thread threw, as an Error: an SqliteError crosses from the thread as a plain object
 * with its code only (`{ code: "SQLITE_CANTOPEN" }`).
 */
function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const code = (thrown as { code?: unknown } | null)?.code;
  return threadError(typeof code === "string" ? code : String(thrown), code);
}

/** A thread's failure as an Error, with the driver's code it carried (store-unavailable.ts). */
function threadError(message: string, code: unknown): Error {
  const error = new Error(`list worker: ${message}`);
  if (typeof code === "string") Object.assign(error, { code });
  return error;
}

/**
 * Starts a list thread. From the compiled server it is plain JavaScript; from the TypeScript
 * sources (tests, `npm run dev`) tsx's loader is registered in the thread before the module loads.
 */
function startThread(data: ListWorkerData): Worker {
  const compiled = new URL("./list-worker-thread.js", import.meta.url);
  if (!import.meta.url.endsWith(".ts")) return new Worker(compiled, { workerData: data });
  const source = new URL("./list-worker-thread.ts", import.meta.url).href;
  const tsx = import.meta.resolve("tsx/esm/api");
  return new Worker(
    `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(source)}); });`,
    { eval: true, workerData: data },
  );
}
