// A per-process memory of keys that authenticated a moment ago, so a burst of requests with one
// key costs one round trip to PostgreSQL, not one each. Entries live `ttlMs` (well under the 1 s
// in which every replica must refuse a revoked key), only successes are kept (a flood of wrong
// keys cannot fill it), and entries are found by the SHA-256 of the whole key: a wrong secret for
// a remembered key id is another entry, never a hit.
import type { Principal } from "../../auth/api-keys.js";

export interface AuthenticatedKeysOptions {
  /** How long a success is trusted without reading the key's row again. */
  ttlMs?: number;
  /** At most this many keys are remembered; the oldest entry goes first. */
  maxEntries?: number;
  /** Milliseconds, monotonic; tests pass their own. */
  now?: () => number;
}

export const AUTHENTICATED_KEYS_TTL_MS = 500;
const MAX_ENTRIES = 5000;

interface Entry {
  principal: Principal;
  expiresAt: number;
}

export class AuthenticatedKeys {
  private readonly entries = new Map<string, Entry>();
  /** Key ids forgotten less than ttl ago, and when: a read that began before is not kept. */
  private readonly forgotten = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  readonly now: () => number;

  constructor(options: AuthenticatedKeysOptions = {}) {
    this.ttlMs = options.ttlMs ?? AUTHENTICATED_KEYS_TTL_MS;
    this.maxEntries = options.maxEntries ?? MAX_ENTRIES;
    this.now = options.now ?? (() => performance.now());
  }

  /** The principal of a key (by the hex SHA-256 of the whole key) that succeeded < ttl ago. */
  get(keyHash: string): Principal | undefined {
    const entry = this.entries.get(keyHash);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(keyHash);
      return undefined;
    }
    return entry.principal;
  }

  /**
   * Remembers a success read at `readAt` (taken before the read began: the entry expires ttl
   * after the row was seen, however slow the answer was).
   */
  set(keyHash: string, principal: Principal, readAt: number): void {
    const forgottenAt = this.forgotten.get(principal.keyId);
    if (forgottenAt !== undefined && forgottenAt >= readAt) return;
    this.entries.delete(keyHash);
    if (this.entries.size >= this.maxEntries) {
      // Map order is insertion order: the first key is the oldest entry.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(keyHash, { principal, expiresAt: readAt + this.ttlMs });
  }

  /** Forgets every entry of a key id (a revoke in this process takes effect at once). */
  forgetKeyId(keyId: string): void {
    const now = this.now();
    for (const [id, at] of this.forgotten) {
      if (at + this.ttlMs <= now) this.forgotten.delete(id);
    }
    this.forgotten.set(keyId, now);
    for (const [hash, entry] of this.entries) {
      if (entry.principal.keyId === keyId) this.entries.delete(hash);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
