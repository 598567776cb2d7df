import { request } from "undici";
import { redactSecrets } from "../core/secrets.ts";
import type { Logger } from "../core/logger.ts";
import type { PriceAlert } from "./persist.ts";

/** Where and how to tell people about a run's events. */
export interface AlertContext {
  roaster: string;
  runId: string;
  webhookUrl: string | undefined;
  log: Logger;
  timeoutMs?: number;
}

/**
 * Tells people about price moves: one `warn` line each, and, when ALERT_WEBHOOK_URL is set,
 * one JSON POST per run. A webhook that is down costs a log line, never the run.
 */
export async function announceAlerts(alerts: PriceAlert[], context: AlertContext): Promise<void> {
  for (const alert of alerts) {
    context.log.warn(
      {
        coffee: alert.coffee,
        variant: alert.platform_variant_id,
        oldPrice: alert.old_price,
        newPrice: alert.new_price,
        currency: alert.currency,
        deltaPct: alert.delta_pct,
      },
      "price alert",
    );
  }
  if (alerts.length > 0) await postToWebhook(context, { type: "price_alerts", roaster: context.roaster, run_id: context.runId, alerts });
}

/**
 * Tells people that most of a roaster's coffees vanished from its store at once and were not
 * marked discontinued (pipeline/unlisted.ts): the store is worth a look before the next full
 * refresh confirms it. One `warn` line, and a JSON POST when ALERT_WEBHOOK_URL is set.
 */
export async function announceUnlistingHeld(held: { missing: number; active: number }, context: AlertContext): Promise<void> {
  context.log.warn({ missing: held.missing, active: held.active }, "unlisting held");
  await postToWebhook(context, { type: "unlisting_held", roaster: context.roaster, run_id: context.runId, ...held });
}

async function postToWebhook(context: AlertContext, body: Record<string, unknown>): Promise<void> {
  if (!context.webhookUrl) return;
  try {
    const response = await request(context.webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      headersTimeout: context.timeoutMs ?? 10_000,
      bodyTimeout: context.timeoutMs ?? 10_000,
    });
    await response.body.dump();
    if (response.statusCode >= 300) {
      context.log.warn({ status: response.statusCode }, "alert webhook answered with an error status");
    }
  } catch (err) {
    context.log.warn({ error: redactSecrets((err as Error).message) }, "alert webhook unreachable");
  }
}
