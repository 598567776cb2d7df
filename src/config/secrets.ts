// Secrets must never reach a log line, an error message or a run's stats. Two guards:
// connection strings are redacted where they are formatted, and every log line is scrubbed
// of the literal secret values registered at start (so a driver error that echoes a URL
// is caught too).

const registered = new Set<string>();

/** Replaces the password (and a token-like username) of any URL-shaped substring. */
export function redactUrl(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^:/@\s]*)(:[^@/\s]*)?@/gi, (_m, scheme: string, user: string, pass?: string) =>
    pass ? `${scheme}${user}:***@` : `${scheme}***@`,
  );
}

export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 4) return;
  registered.add(value);
  try {
    const url = new URL(value);
    if (url.password) registered.add(decodeURIComponent(url.password));
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
