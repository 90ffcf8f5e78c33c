// The address of the client a request comes from: the TCP peer, unless that peer is one of the
// operator's proxies (TRUST_PROXY), whose X-Forwarded-For then says whom it forwarded. Only those
// proxies are believed: any client can send X-Forwarded-For, so trusting every peer's would let a
// client pick its own address (and its own failed-auth bucket).
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import proxyAddr from "proxy-addr";
import { commaSeparated } from "./comma-separated.js";

/** Whether the peer at `address` is a proxy whose X-Forwarded-For is believed. */
export type TrustedProxies = (address: string, hop: number) => boolean;

/** The names proxy-addr knows besides addresses and CIDR ranges. */
const NAMED_RANGES = ["loopback", "linklocal", "uniquelocal"];

/**
 * Parses `TRUST_PROXY`: comma-separated addresses and CIDR ranges of the load balancers or
 * proxies in front (`10.0.0.0/8, 192.168.1.10`), or `loopback`, `linklocal`, `uniquelocal`.
 * Unset or empty: none, the TCP peer is the client. Throws a readable error for anything else.
 */
export function parseTrustProxy(value: string | undefined): string[] {
  const entries = commaSeparated(value);
  for (const entry of entries) {
    try {
      // A bare number would be taken as an IPv4 address ("1" as 0.0.0.1), while an operator who
      // knows Express means a hop count by it.
      if (/^\d+$/.test(entry)) throw new Error("a hop count");
      proxyAddr.compile(entry);
    } catch {
      throw new Error(
        `TRUST_PROXY: "${entry}" is not an address, a CIDR range (10.0.0.0/8) or one of ${NAMED_RANGES.join(", ")}: list the proxies in front of the server`,
      );
    }
  }
  return [...new Set(entries)];
}

/** The check for `TRUST_PROXY`'s entries; undefined when there are none. */
export function trustedProxies(entries: readonly string[]): TrustedProxies | undefined {
  return entries.length > 0 ? proxyAddr.compile([...entries]) : undefined;
}

/**
 * The client's address: the TCP peer, or, when the peer is a trusted proxy, the nearest address
 * in its X-Forwarded-For that is not itself a trusted proxy. An entry there that is no address
 * (a proxy that passed a client's header on without appending to it) is not taken: the peer is.
 */
export function clientAddress(
  req: IncomingMessage,
  trusted: TrustedProxies | undefined,
): string | undefined {
  const peer = req.socket.remoteAddress;
  if (!trusted || peer === undefined) return peer;
  const forwarded = proxyAddr(req, trusted);
  return isIP(forwarded) === 0 ? peer : forwarded;
}
