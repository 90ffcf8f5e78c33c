import type { IncomingMessage } from "node:http";
import type { BucketStore } from "../rate-limits/bucket-store.js";
import { bucketPolicy } from "../rate-limits/token-buckets.js";
import { ApiError } from "./api-error.js";
import { clientAddress, type TrustedProxies } from "./client-address.js";

/** Decides, for a request whose key is missing or invalid, whether it gets 429 instead of 401. */
export interface FailedAuthLimit {
  /** Counts one failed authentication from the request's address; a 429 once it is over. */
  refusal(req: IncomingMessage): Promise<ApiError | undefined>;
}

/**
 * A token bucket per client address for requests with a missing or invalid key: past the burst,
 * they get 429 with `Retry-After` instead of 401. Only failures are counted, and a valid key is
 * checked before this is asked, so a valid key is served from an address that is flooding bad
 * ones. The address is the TCP peer, or the client a trusted proxy names (client-address.ts):
 * behind a proxy that is not trusted, every client shares the proxy's bucket. The buckets are
 * this process's, or shared by every replica through Redis (bucket-store.ts).
 */
export function failedAuthLimit(buckets: BucketStore, trusted?: TrustedProxies): FailedAuthLimit {
  if (!buckets.enabled) return { refusal: async () => undefined };
  const policy = bucketPolicy("failed-auth", buckets.config);
  return {
    async refusal(req) {
      const take = await buckets.take(clientAddressKey(clientAddress(req, trusted)));
      if (take.allowed) return undefined;
      return new ApiError(
        429,
        "rate_limited",
        `Too many requests with a missing or invalid API key; retry in ${take.retryAfter} s`,
        {
          headers: {
            "Retry-After": String(take.retryAfter),
            "RateLimit-Policy": policy,
            RateLimit: `"failed-auth";r=${take.remaining};t=${take.secondsToFull}`,
          },
        },
      );
    },
  };
}

/**
 * The bucket an address counts against: an IPv4 address itself (also when mapped into IPv6), an
 * IPv6 address by its /64 prefix, since one host usually holds a whole /64.
 */
export function clientAddressKey(address: string | undefined): string {
  if (!address) return "unknown";
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(":")) return address;
  const plain = (address.split("%")[0] ?? "").replace(
    /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/,
    (_all, a, b, c, d) =>
      `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  const [head = "", tail] = plain.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups =
    tail === undefined
      ? left
      : [
          ...left,
          ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"),
          ...right,
        ];
  const prefix = groups.slice(0, 4).map((group) => Number.parseInt(group || "0", 16).toString(16));
  return `${prefix.join(":")}::/64`;
}
