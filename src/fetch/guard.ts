import dns, { type LookupAddress, type LookupOptions } from "node:dns";
import ipaddr from "ipaddr.js";
import { getDomain } from "tldts";
import { permanent } from "../core/errors.ts";

// Server-side request forgery guard: a roaster's website (or a redirect it sends) must not
// make us talk to our own machine, the private network or a cloud metadata endpoint.

/** Why an address may not be contacted, or null when it is a public unicast address. */
export function forbiddenAddressReason(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return "not an IP address";
  }
  // Everything that is not plain public unicast: loopback, private, link-local (incl.
  // 169.254.169.254 metadata), unique-local (fd00:ec2::254 metadata), carrier-grade NAT
  // (100.100.100.200 metadata), IPv4-mapped IPv6, unspecified, multicast, reserved, …
  const range = parsed.range();
  if (range !== "unicast") return range;
  // ipaddr.js calls ::/96 (deprecated IPv4-compatible IPv6, "::7f00:1" = [::127.0.0.1]) unicast,
  // yet a stack that still routes it reaches the embedded IPv4 address: refused whatever it embeds.
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).parts.slice(0, 6).every((part) => part === 0)) {
    return "ipv4Compatible";
  }
  return null;
}

export const PRIVATE_ADDRESS_CODE = "private_address";

export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemLookup: LookupFunction = (hostname, options, callback) =>
  dns.lookup(hostname, { ...options, all: true }, callback);

/**
 * A `net.connect` lookup that resolves with `resolve` (the system resolver by default) and
 * refuses the connection when any resolved address is not public, unless `allowPrivate`.
 */
export function guardedLookup(allowPrivate: boolean, resolve: LookupFunction = systemLookup) {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      if (!allowPrivate) {
        for (const { address } of addresses) {
          const reason = forbiddenAddressReason(address);
          if (reason) {
            return callback(
              permanent(PRIVATE_ADDRESS_CODE, `refused to connect to ${hostname}: it resolves to ${address} (${reason})`),
              "",
              0,
            );
          }
        }
      }
      if (addresses.length === 0) {
        const notFound: NodeJS.ErrnoException = new Error(`no address for ${hostname}`);
        notFound.code = "ENOTFOUND";
        return callback(notFound, "", 0);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** The URL's hostname without IPv6 brackets. */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

/**
 * Checks what can be checked before connecting: http(s) only, and a literal IP address in
 * the URL is judged like a resolved one (the lookup is never called for literal IPs).
 */
export function assertFetchableUrl(url: URL, allowPrivate: boolean): void {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw permanent("unsupported_url", `refused ${url.href}: only http and https URLs are fetched`);
  }
  const host = bareHostname(url);
  if (!allowPrivate && ipaddr.isValid(host)) {
    const reason = forbiddenAddressReason(host);
    if (reason) throw permanent(PRIVATE_ADDRESS_CODE, `refused ${url.href}: ${host} is not a public address (${reason})`);
  }
}

/** The registrable domain ("example.co.uk") of a host; the host itself for IPs and bare names. */
export function siteOf(hostname: string): string {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (ipaddr.isValid(host)) return host;
  return getDomain(host, { allowPrivateDomains: true }) ?? host;
}

/** Whether `target` is on the same registrable domain as `home` (www. and apex both count). */
export function sameSite(home: URL, target: URL): boolean {
  return siteOf(home.hostname) === siteOf(target.hostname);
}
