import { Redis } from "ioredis";

/**
 * The Redis tests share (127.0.0.1:6379, or REDIS_TEST_URL). Where none answers, a test that
 * needs it is skipped with a warning, except under CI, where its absence fails the run. Every
 * test writes under its own key prefix, so runs in parallel never meet.
 */
export const REDIS_TEST_URL = process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379";

/** Whether Redis answers a PING within a second; warns (or throws under CI) when it does not. */
export async function redisAvailable(testName: string): Promise<boolean> {
  const probe = new Redis(REDIS_TEST_URL, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: () => null,
  });
  probe.on("error", () => {});
  let available = false;
  try {
    await probe.connect();
    available = (await probe.ping()) === "PONG";
  } catch {
    available = false;
  } finally {
    probe.disconnect();
  }
  if (!available && process.env.CI) {
    throw new Error(`CI needs Redis at ${REDIS_TEST_URL} for the ${testName}`);
  }
  if (!available) {
    console.warn(`${testName} skipped: no Redis at ${REDIS_TEST_URL} (set REDIS_TEST_URL)`);
  }
  return available;
}

/** A key prefix no other test or run uses. */
export function uniqueKeyPrefix(name: string): string {
  return `test:${name}:${process.pid}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}:`;
}
