/**
 * Token buckets keyed by a string, in one process's memory: behind the per-key rate limit and
 * the failed-auth limit per client address when no Redis is shared (and while it is down).
 */

export interface TokenBucketConfig {
  /** Tokens added per second; 0 turns the limit off (every take is allowed). */
  requestsPerSecond: number;
  /** Tokens a bucket holds when full: requests allowed at once after being idle. */
  burst: number;
}

/** What one take left behind. */
export interface Take {
  allowed: boolean;
  /** Whole tokens left after this take. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  secondsToFull: number;
  /** Seconds until the tokens asked for are there (at least 1); meaningful when refused. */
  retryAfter: number;
}

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * What a take that left `tokens` (fractional) in a bucket means for the caller: the one
 * arithmetic behind the headers, wherever the bucket lives.
 */
export function takeResult(
  allowed: boolean,
  tokens: number,
  config: TokenBucketConfig,
  /** Tokens the take asked for (at most a full bucket). */
  need = 1,
): Take {
  const { requestsPerSecond: rate, burst } = config;
  return {
    allowed,
    remaining: Math.floor(tokens),
    secondsToFull: Math.ceil((burst - tokens) / rate),
    retryAfter: Math.max(1, Math.ceil((need - tokens) / rate)),
  };
}

/** The IETF draft `RateLimit-Policy` value: the sustained rate as a quota over the refill window. */
export function bucketPolicy(name: string, config: TokenBucketConfig): string {
  const { requestsPerSecond: rate, burst } = config;
  const window = Math.max(1, Math.ceil(burst / rate));
  return `"${name}";q=${Math.round(rate * window)};w=${window}`;
}

/** Beyond this many keys, full (idle) buckets are dropped: they carry no information. */
export const MAX_BUCKETS = 10_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly config: TokenBucketConfig,
    private readonly maxBuckets = MAX_BUCKETS,
  ) {}

  get enabled(): boolean {
    return this.config.requestsPerSecond > 0;
  }

  /** How many keys have a bucket (full ones may be dropped at any time). */
  get size(): number {
    return this.buckets.size;
  }

  /** The IETF draft `RateLimit-Policy` value: the sustained rate as a quota over the refill window. */
  policy(name: string): string {
    return bucketPolicy(name, this.config);
  }

  /**
   * Takes `cost` tokens (1 by default; at most a full bucket) from `key`'s bucket at `at`
   * (milliseconds), when it holds them.
   */
  take(key: string, at: number, cost = 1): Take {
    const { burst } = this.config;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxBuckets) this.makeRoom(at);
      bucket = { tokens: this.config.burst, refilledAt: at };
      this.buckets.set(key, bucket);
    }
    this.refill(bucket, at);
    const need = Math.min(cost, burst);
    const allowed = bucket.tokens >= need;
    if (allowed) bucket.tokens -= need;
    return takeResult(allowed, bucket.tokens, this.config, need);
  }

  private refill(bucket: Bucket, at: number): void {
    const { requestsPerSecond: rate, burst } = this.config;
    bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.refilledAt) / 1000) * rate);
    bucket.refilledAt = at;
  }

  /**
   * Drops full buckets; if every bucket is in use (many keys or addresses at once), drops the
   * oldest half too, so memory stays bounded. A dropped busy key starts again with a full bucket:
   * a looser limit for it, never a refusal of someone else.
   */
  private makeRoom(at: number): void {
    for (const [key, bucket] of this.buckets) {
      this.refill(bucket, at);
      if (bucket.tokens >= this.config.burst) this.buckets.delete(key);
    }
    if (this.buckets.size < this.maxBuckets) return;
    let excess = this.buckets.size - Math.floor(this.maxBuckets / 2);
    for (const key of this.buckets.keys()) {
      if (excess-- <= 0) break;
      this.buckets.delete(key);
    }
  }
}
