import dns from "node:dns";
import type { LookupFunction } from "../../../src/fetch/guard.ts";

/** DNS for tests: the given names resolve to 127.0.0.1, everything else as usual. */
export function loopbackLookup(...names: string[]): LookupFunction {
  return (hostname, options, callback) => {
    if (names.includes(hostname)) return callback(null, [{ address: "127.0.0.1", family: 4 }]);
    dns.lookup(hostname, { ...options, all: true }, callback);
  };
}
