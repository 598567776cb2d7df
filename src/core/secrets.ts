// Secrets must never reach a log line, an error message or a run's stats. Two guards:
// connection strings are redacted where they are formatted, and every log line is scrubbed
// of the literal secret values registered at start (so a driver error that echoes a URL
// is caught too).

import { C0_CONTROLS } from "./control-characters.ts";

const registered = new Set<string>();

// scheme://userinfo@host: the userinfo runs to the LAST `@` before the host, as URL parsers
// read it, so a password with an unencoded `@` is redacted whole.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi;

/** Replaces the password (and a token-like username) of any URL-shaped substring. */
export function redactUrl(text: string): string {
  return text.replace(URL_CREDENTIALS, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(":");
    return colon >= 0 ? `${scheme}${userinfo.slice(0, colon)}:***@` : `${scheme}***@`;
  });
}

/**
 * True when the password of a `scheme://user:password@host` string holds characters that a
 * URL needs percent-encoded (`@ : / ? # [ ] %` not starting an escape, spaces, controls).
 */
export function passwordNeedsEncoding(value: string): boolean {
  const start = value.indexOf("://");
  if (start < 0) return false;
  const rest = value.slice(start + 3);
  const at = rest.lastIndexOf("@");
  if (at < 0) return false;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(":");
  if (colon < 0) return false;
  const password = userinfo.slice(colon + 1);
  return /[@:/?#[\]\s]|%(?![0-9A-Fa-f]{2})/.test(password) || C0_CONTROLS.test(password);
}

export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 4) return;
  registered.add(value);
  try {
    const url = new URL(value);
    if (url.password) registered.add(decodeURIComponent(url.password));
    if (url.password) registered.add(url.password);
  } catch {
    // not a URL: the value itself is the secret
  }
}

export function redactSecrets(text: string): string {
  let out = redactUrl(text);
  for (const secret of registered) {
    if (out.includes(secret)) out = out.split(secret).join("***");
  }
  return out;
}
