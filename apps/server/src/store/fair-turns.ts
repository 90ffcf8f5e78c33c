// Expensive reads (filtered lists, top lists over other periods) take turns for a few slots
// (SQLite: worker threads; PostgreSQL: pool connections), round robin across workspaces, and each
// workspace may have only so many running or waiting. So a workspace that floods them waits for
// its own turns and is refused past its share, and never holds every slot while others wait.
import { ListQueueFullError } from "../contacts/contact-errors.js";

/** Calls a workspace may have running or waiting: the share in the 429 `filtered-lists` policy. */
export const DEFAULT_SHARE = 16;

export interface FairTurnsOptions {
  /** Calls run at once. */
  slots: number;
  /** Calls a workspace may have running or waiting; more are refused (ListQueueFullError). */
  maxInFlightPerWorkspace: number;
}

interface Turn {
  start(slot: number): void;
  reject(error: Error): void;
}

export class FairTurns {
  /** Waiting calls by workspace; Map order is the round-robin turn. */
  private readonly waiting = new Map<string, Turn[]>();
  /** Running plus waiting calls by workspace. */
  private readonly inFlight = new Map<string, number>();
  /** Slots not running a call. */
  private readonly free: number[];
  private closedWith: Error | undefined;

  constructor(private readonly options: FairTurnsOptions) {
    this.free = Array.from({ length: Math.max(1, options.slots) }, (_, slot) => slot);
  }

  /**
   * Runs `work` on a free slot (its index, 0 to slots - 1) at `workspaceId`'s turn. Refused at
   * once with ListQueueFullError when the workspace has its share in flight.
   */
  run<T>(workspaceId: string, work: (slot: number) => Promise<T>): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const count = this.inFlight.get(workspaceId) ?? 0;
    if (count >= this.options.maxInFlightPerWorkspace) {
      return Promise.reject(new ListQueueFullError(this.options.maxInFlightPerWorkspace));
    }
    this.inFlight.set(workspaceId, count + 1);
    return new Promise<T>((resolve, reject) => {
      const turn: Turn = {
        start: (slot) => {
          let running: Promise<T>;
          try {
            running = work(slot);
          } catch (error) {
            running = Promise.reject(error);
          }
          // The slot and the share are given back before the caller resumes: a workspace that
          // awaits each call may send the next at once.
          running.then(
            (value) => {
              this.finish(workspaceId, slot);
              resolve(value);
            },
            (error: unknown) => {
              this.finish(workspaceId, slot);
              reject(error);
            },
          );
        },
        reject: (error) => {
          this.leave(workspaceId);
          reject(error);
        },
      };
      const queue = this.waiting.get(workspaceId);
      if (queue) queue.push(turn);
      else this.waiting.set(workspaceId, [turn]);
      this.dispatch();
    });
  }

  /** Fails every waiting call with `error`, and every later one; running calls run on. */
  close(error: Error): void {
    this.closedWith = error;
    const turns = [...this.waiting.values()].flat();
    this.waiting.clear();
    for (const turn of turns) turn.reject(error);
  }

  private dispatch(): void {
    while (this.free.length > 0) {
      const turn = this.nextTurn();
      if (!turn) return;
      turn.start(this.free.shift() as number);
    }
  }

  /** The first waiting call of the workspace whose turn it is; that workspace goes last. */
  private nextTurn(): Turn | undefined {
    for (const [workspaceId, queue] of this.waiting) {
      const turn = queue.shift();
      this.waiting.delete(workspaceId);
      if (queue.length > 0) this.waiting.set(workspaceId, queue);
      if (turn) return turn;
    }
    return undefined;
  }

  private finish(workspaceId: string, slot: number): void {
    this.leave(workspaceId);
    this.free.push(slot);
    this.dispatch();
  }

  private leave(workspaceId: string): void {
    const left = (this.inFlight.get(workspaceId) ?? 1) - 1;
    if (left > 0) this.inFlight.set(workspaceId, left);
    else this.inFlight.delete(workspaceId);
  }
}
