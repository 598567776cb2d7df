import { redactSecrets } from "../../core/secrets.ts";
import { secretKindOf, type Settings } from "../../config/settings.ts";
import { html, type Html } from "../html.ts";
import type { PageContext } from "./context.ts";

/** What the settings page shows: secret values hidden, connection strings without credentials. */
export function visibleSettings(settings: Settings): [string, string][] {
  return Object.entries(settings)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]): [string, string] => {
      if (value === undefined || value === null) return [key, "—"];
      if (secretKindOf(key) === "value") return [key, "set (hidden)"];
      return [key, redactSecrets(String(value))];
    });
}

export function settingsPage(ctx: PageContext, info: { engine: string; queue: string }): Html {
  return html`
<h1>Settings</h1>
<p class="sub">As resolved at start (environment and CONFIG_FILE). Secrets are never shown.</p>
<section class="card">
  <dl class="kv">
    <dt>database</dt><dd>${info.engine}</dd>
    <dt>queue</dt><dd>${info.queue}</dd>
  </dl>
</section>
<section class="card">
  <table><thead><tr><th>Setting</th><th>Value</th></tr></thead><tbody>
  ${visibleSettings(ctx.settings).map(([k, v]) => html`<tr><td><code>${k}</code></td><td class="wrap">${v}</td></tr>`)}
  </tbody></table>
</section>`;
}
