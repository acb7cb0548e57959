/**
 * Where outbound webhooks may go. In production an endpoint must be `https://` on a public
 * address: private, loopback, link-local (cloud metadata) and other special addresses are refused
 * when the endpoint is registered (a literal IP) and again on every connection (the address the
 * name resolves to at that moment, so a name re-pointed at 10.0.0.1 later is refused too).
 * `OUTBOUND_WEBHOOKS_ALLOW_PRIVATE=true` lifts the address rule (receivers on your own private
 * network); in development and tests it is lifted. `http://` is accepted only for localhost,
 * 127.0.0.1 and ::1, and only where private addresses are allowed.
 */
import "server-only";
import { env as serverEnv } from "@/env";
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { BlockList, isIP } from "node:net";
import { badRequest } from "@/lib/errors";

export const privateTargetsAllowed = (env: Record<string, string | undefined> = serverEnv) =>
  env.OUTBOUND_WEBHOOKS_ALLOW_PRIVATE === "true" || env.NODE_ENV !== "production";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

const blocked = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  blocked.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96],
] as const) {
  blocked.addSubnet(network, prefix, "ipv6");
}

/** Whether an IP address is private, loopback, link-local or otherwise not a public host. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? blocked.check(mapped[1], "ipv4") : blocked.check(address, "ipv6");
}

/** Checks an endpoint URL as it is registered: 400 `bad_request` on `url` naming what is wrong. */
export function assertEndpointUrl(raw: string, env: Record<string, string | undefined> = serverEnv): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest("url: must be an absolute https:// URL.", { field: "url" });
  }
  const allowPrivate = privateTargetsAllowed(env);
  if (url.username || url.password) throw badRequest("url: must not contain a user name or password.", { field: "url" });
  if (url.protocol === "http:") {
    if (!allowPrivate || !LOOPBACK_HOSTS.has(url.hostname)) {
      throw badRequest("url: must use https:// (http:// only for localhost in development and tests).", { field: "url" });
    }
  } else if (url.protocol !== "https:") {
    throw badRequest("url: must use https://.", { field: "url" });
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!allowPrivate && (host === "localhost" || host.endsWith(".localhost") || (isIP(host) && isPrivateAddress(host)))) {
    throw badRequest("url: must be a public address, not a private, loopback or link-local one.", { field: "url" });
  }
  return url;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that refuses names resolving to private addresses (unless allowed):
 * the check is on the address the connection is about to use, not on an earlier resolution.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    const refused = !privateTargetsAllowed() && list.some((entry) => isPrivateAddress(entry.address));
    if (refused || list.length === 0) {
      return callback(Object.assign(new Error(`${hostname} resolves to a private address: refused`), { code: "EPRIVATEADDRESS" }), []);
    }
    if (options.all) return callback(null, list);
    callback(null, list[0].address, list[0].family);
  });
}
