import { request } from "undici";
import { redactSecrets } from "../core/secrets.ts";
import type { Logger } from "../core/logger.ts";
import type { PriceAlert } from "./persist.ts";

/**
 * Tells people about price moves: one `warn` line each, and, when ALERT_WEBHOOK_URL is set,
 * one JSON POST per run. A webhook that is down costs a log line, never the run.
 */
export async function announceAlerts(
  alerts: PriceAlert[],
  context: { roaster: string; runId: string; webhookUrl: string | undefined; log: Logger; timeoutMs?: number },
): Promise<void> {
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
  if (!context.webhookUrl || alerts.length === 0) return;
  try {
    const response = await request(context.webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "price_alerts", roaster: context.roaster, run_id: context.runId, alerts }),
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
