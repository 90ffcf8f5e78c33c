import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API keys look like `ck_<key id>_<secret>`: the key id (16 hex characters) finds the stored
 * record, and the SHA-256 of the whole key is compared in constant time. A key carries 256 bits
 * of randomness, so a fast hash is enough (no password-style stretching needed).
 */
const KEY_PATTERN = /^ck_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface IssuedKey {
  keyId: string;
  /** The full key; shown once, never stored. */
  key: string;
  secretHash: Buffer;
}

/** Makes a new random key and the hash to store for it. */
export function issueApiKey(): IssuedKey {
  const keyId = randomBytes(8).toString("hex");
  const key = `ck_${keyId}_${randomBytes(32).toString("base64url")}`;
  return { keyId, key, secretHash: hashApiKey(key) };
}

/** The key id of a well-formed key, or undefined. */
export function keyIdOf(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

export function hashApiKey(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}

/** Constant-time comparison of a presented key with a stored hash. */
export function apiKeyMatches(key: string, storedHash: Buffer): boolean {
  const presented = hashApiKey(key);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}

export interface ApiKeyInfo {
  keyId: string;
  workspaceId: string;
  workspaceName: string;
  createdAt: number;
  revokedAt: number | null;
}

/** Who a request is, once its key checks out. */
export interface Principal {
  workspaceId: string;
  keyId: string;
}

/** Workspaces and their API keys. */
export interface ApiKeyStore {
  /** The principal for a valid, unrevoked key; undefined otherwise. */
  authenticate(key: string): Promise<Principal | undefined>;
  /** Creates the workspace if needed, then a key in it. */
  createKey(workspaceName: string, now: number): Promise<{ key: string; info: ApiKeyInfo }>;
  /**
   * Creates the workspace and a key in it only if no key exists at all, atomically: replicas
   * starting at once on an empty database make one first key between them. Undefined otherwise.
   */
  createFirstKey(
    workspaceName: string,
    now: number,
  ): Promise<{ key: string; info: ApiKeyInfo } | undefined>;
  listKeys(): Promise<ApiKeyInfo[]>;
  /** Resolves to false when there is no such key or it was already revoked. */
  revokeKey(keyId: string, now: number): Promise<boolean>;
  countKeys(): Promise<number>;
}
