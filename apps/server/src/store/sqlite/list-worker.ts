// Expensive reads run on worker threads with read-only connections, so that a workspace sending
// them costs the event loop only their HTTP handling: filtered list calls (search, tags) and top
// lists over periods other than the window. Workspaces take turns for the workers (round robin),
// and each may have only so many calls (of both kinds together) running or waiting.
import { Worker } from "node:worker_threads";
import {
  CursorNotFoundError,
  ListQueueFullError,
  QueryTooBroadError,
} from "../../contacts/contact-errors.js";
import type { ContactPage, ContactStore, ListContactsQuery } from "../../contacts/contact-store.js";
import type { TopBy } from "../../usage/usage.js";
import type { TopEntry } from "../../usage/usage-store.js";
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
  | { id: number; error: "failed"; message: string };

export interface ListWorkersOptions extends ListWorkerData {
  /** Worker threads; each holds one read-only connection. */
  threads: number;
  /** Calls a workspace may have running or waiting; more are refused (429). */
  maxQueuedPerWorkspace?: number;
}

interface Pending extends ListJob {
  /** Takes the answer of this job's kind (see WorkerAnswers). */
  resolve(answer: unknown): void;
  reject(error: Error): void;
}

interface Thread {
  worker: Worker;
  running?: Pending | undefined;
}

/** Runs ContactLister and UsageTopReader calls on worker threads, fairly across workspaces. */
export class ListWorkers implements Pick<ContactStore, "list">, TopLists {
  private readonly threads: Thread[] = [];
  /** Waiting calls by workspace; Map order is the round-robin turn. */
  private readonly waiting = new Map<string, Pending[]>();
  /** Running plus waiting calls by workspace. */
  private readonly inFlight = new Map<string, number>();
  private readonly maxQueued: number;
  private nextId = 1;
  private closed = false;
  /** Set when a thread failed before it started: no thread would. */
  private broken: Error | undefined;

  constructor(private readonly options: ListWorkersOptions) {
    this.maxQueued = options.maxQueuedPerWorkspace ?? 16;
    for (let i = 0; i < Math.max(1, options.threads); i++) this.threads.push(this.spawn());
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
    if (this.closed) return Promise.reject(new Error("the list workers are closed"));
    if (this.broken) return Promise.reject(this.broken);
    const count = this.inFlight.get(workspaceId) ?? 0;
    if (count >= this.maxQueued) return Promise.reject(new ListQueueFullError(this.maxQueued));
    this.inFlight.set(workspaceId, count + 1);
    return new Promise((resolve, reject) => {
      const job: Pending = {
        id: this.nextId++,
        workspaceId,
        call,
        // The thread answers a call of kind C with WorkerAnswers[C["kind"]].
        resolve: (answer) => resolve(answer as WorkerAnswers[C["kind"]]),
        reject,
      };
      const queue = this.waiting.get(workspaceId);
      if (queue) queue.push(job);
      else this.waiting.set(workspaceId, [job]);
      this.dispatch();
    });
  }

  /** Stops the threads; calls still waiting fail. */
  async close(): Promise<void> {
    this.closed = true;
    const closed = new Error("the list workers are closed");
    this.failWaiting(closed);
    for (const thread of this.threads) {
      thread.running?.reject(closed);
      thread.running = undefined;
    }
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }

  private dispatch(): void {
    for (const thread of this.threads) {
      if (thread.running) continue;
      const job = this.nextJob();
      if (!job) return;
      thread.running = job;
      const { id, workspaceId, call } = job;
      thread.worker.postMessage({ id, workspaceId, call } satisfies ListJob);
    }
  }

  /** The first waiting call of the workspace whose turn it is; that workspace goes last. */
  private nextJob(): Pending | undefined {
    for (const [workspaceId, queue] of this.waiting) {
      const job = queue.shift();
      this.waiting.delete(workspaceId);
      if (queue.length > 0) this.waiting.set(workspaceId, queue);
      if (job) return job;
    }
    return undefined;
  }

  private finish(thread: Thread, settle: (job: Pending) => void): void {
    const job = thread.running;
    thread.running = undefined;
    if (job) {
      const left = (this.inFlight.get(job.workspaceId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(job.workspaceId, left);
      else this.inFlight.delete(job.workspaceId);
      settle(job);
    }
    this.dispatch();
  }

  private spawn(): Thread {
    const worker = startThread({
      path: this.options.path,
      ...(this.options.maxExaminedRows !== undefined && {
        maxExaminedRows: this.options.maxExaminedRows,
      }),
    });
    const thread: Thread = { worker };
    let online = false;
    worker.once("online", () => {
      online = true;
    });
    worker.on("message", (reply: ListReply) => {
      this.finish(thread, (job) => {
        if ("answer" in reply) job.resolve(reply.answer);
        else if (reply.error === "query_too_broad") job.reject(new QueryTooBroadError());
        else if (reply.error === "cursor_not_found")
          job.reject(new CursorNotFoundError(reply.cursor, reply.parameter));
        else job.reject(new Error(`list worker: ${reply.message}`));
      });
    });
    // A thread that dies fails its call and is replaced; the others go on. One that never
    // started (a broken install) is not retried: every call fails with its error instead.
    worker.on("error", (error) => {
      if (!online) this.broken = error;
      this.finish(thread, (job) => job.reject(error));
    });
    worker.on("exit", () => {
      if (this.closed) return;
      this.finish(thread, (job) => job.reject(this.broken ?? new Error("list worker exited")));
      if (this.broken) return this.failWaiting(this.broken);
      const index = this.threads.indexOf(thread);
      if (index >= 0) this.threads[index] = this.spawn();
      this.dispatch();
    });
    worker.unref();
    return thread;
  }

  private failWaiting(error: Error): void {
    for (const queue of this.waiting.values()) for (const job of queue) job.reject(error);
    this.waiting.clear();
    this.inFlight.clear();
  }
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
