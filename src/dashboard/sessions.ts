import { createHash, randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";

// Dashboard sign-ins are sessions this process holds: a random id in an HttpOnly cookie,
// known here with its expiry. Signing out forgets the id at once (a copied cookie stops
// working), and so does the expiry, whatever the browser keeps. Only a digest of each id is
// held, and at most MAX_SESSIONS of them (the oldest are forgotten first). A restart of the
// dashboard signs everyone out.

export const MAX_SESSIONS = 10_000;

const digest = (id: string) => createHash("sha256").update(id).digest("base64url");

export class SessionStore {
  private readonly live: LRUCache<string, true>;

  constructor(readonly ttlMs: number, max = MAX_SESSIONS) {
    this.live = new LRUCache<string, true>({ max, ttl: ttlMs, updateAgeOnGet: false, updateAgeOnHas: false });
  }

  /** A new session; the id goes into the cookie and nowhere else. */
  create(): string {
    const id = randomBytes(32).toString("base64url");
    this.live.set(digest(id), true);
    return id;
  }

  /** True while the session is neither expired nor revoked. */
  valid(id: string): boolean {
    return id.length > 0 && id.length <= 100 && this.live.has(digest(id));
  }

  revoke(id: string): void {
    this.live.delete(digest(id));
  }
}
