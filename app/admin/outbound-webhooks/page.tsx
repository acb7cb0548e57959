import type { Metadata } from "next";
import { ActionButton } from "@/components/admin/action-button";
import { FilterForm, LabeledSelect } from "@/components/admin/form-controls";
import { Pager } from "@/components/admin/pager";
import { DataTable, EmptyRow, Td, Th } from "@/components/admin/table";
import { WebhookEndpointForm } from "@/components/admin/webhook-endpoint-form";
import { LocalTime } from "@/components/local-time";
import { Alert } from "@/components/ui";
import { requireAdmin } from "@/lib/auth/session";
import { adminOutboundWebhooks } from "@/lib/billing/admin/console";
import { flatSearchParams, readWithSearchParams } from "@/lib/http/query";
import { OUTBOUND_DELIVERY_STATUSES, deliveryListQuery } from "@/lib/webhooks-out/admin";
import { OUTBOUND_EVENT_TYPES } from "@/lib/webhooks-out/events";

export const metadata: Metadata = { title: "Outbound webhooks · Admin" };
export const dynamic = "force-dynamic";

/** Endpoints of the product's own systems that receive signed billing events, and the delivery log with replay. */
export default async function AdminOutboundWebhooksPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireAdmin("/admin/outbound-webhooks");
  const params = await searchParams;
  const parsed = await readWithSearchParams(params, deliveryListQuery, adminOutboundWebhooks);
  const result = parsed.ok ? parsed.result : null;
  const query = parsed.ok ? parsed.data : { status: undefined };
  const endpoints = result?.endpoints ?? [];
  const deliveries = result?.deliveries ?? [];

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Outbound webhooks</h1>
        <p className="mt-1 text-sm text-gray-600">
          Billing events sent to your own systems, signed with each endpoint&apos;s secret (
          <code className="font-mono">Webhook-Signature</code>), retried with backoff for 3 days. Receivers should ignore an event id they
          have already handled.
        </p>
      </div>
      <WebhookEndpointForm eventTypes={OUTBOUND_EVENT_TYPES} />
      <DataTable caption="Webhook endpoints" testId="webhook-endpoints">
        <thead>
          <tr>
            <Th>URL</Th>
            <Th>Events</Th>
            <Th>Status</Th>
            <Th>Added</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </thead>
        <tbody>
          {endpoints.length === 0 && <EmptyRow colSpan={5}>No endpoints yet.</EmptyRow>}
          {endpoints.map((e) => (
            <tr key={e.id} data-testid="webhook-endpoint">
              <Td>
                <span className="font-mono">{e.url}</span>
                {e.description && <span className="block text-xs text-gray-600">{e.description}</span>}
              </Td>
              <Td className="whitespace-normal">{e.eventTypes.join(", ")}</Td>
              <Td>
                {e.enabled ? "Enabled" : "Disabled"}
                {e.previousSecretActive && <span className="block text-xs text-gray-600">previous secret still signs</span>}
              </Td>
              <Td>
                <LocalTime value={e.createdAt} />
              </Td>
              <Td className="space-x-2">
                {e.enabled && (
                  <ActionButton
                    url={`/api/billing/admin/webhook-endpoints/${e.id}/test`}
                    label="Send test event"
                    pendingLabel="Sending…"
                    done="Sent."
                    tone="secondary"
                  />
                )}
                <ActionButton
                  url={`/api/billing/admin/webhook-endpoints/${e.id}/rotate-secret`}
                  label="Rotate secret"
                  pendingLabel="Rotating…"
                  done="Rotated."
                  tone="secondary"
                />
                {e.enabled ? (
                  <ActionButton
                    url={`/api/billing/admin/webhook-endpoints/${e.id}/disable`}
                    label="Disable"
                    pendingLabel="Disabling…"
                    done="Disabled."
                    tone="danger"
                  />
                ) : (
                  <ActionButton
                    url={`/api/billing/admin/webhook-endpoints/${e.id}/enable`}
                    label="Enable"
                    pendingLabel="Enabling…"
                    done="Enabled."
                  />
                )}
              </Td>
            </tr>
          ))}
        </tbody>
      </DataTable>

      <h2 className="text-lg font-semibold">Deliveries</h2>
      <FilterForm label="Filter deliveries">
        <LabeledSelect label="Status" id="status" name="status" defaultValue={query.status ?? ""}>
          <option value="">Any status</option>
          {OUTBOUND_DELIVERY_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </LabeledSelect>
      </FilterForm>
      {!parsed.ok && <Alert>These filters are not valid: {parsed.message}</Alert>}
      <DataTable caption="Webhook deliveries" testId="webhook-deliveries">
        <thead>
          <tr>
            <Th>Event</Th>
            <Th>Endpoint</Th>
            <Th>Status</Th>
            <Th className="text-right">Attempts</Th>
            <Th>Last answer</Th>
            <Th>Next attempt</Th>
            <Th>Created</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </thead>
        <tbody>
          {deliveries.length === 0 && <EmptyRow colSpan={8}>No deliveries yet.</EmptyRow>}
          {deliveries.map((d) => (
            <tr key={d.id} data-testid="webhook-delivery">
              <Td>
                {d.eventType}
                <span className="block font-mono text-xs text-gray-600">{d.eventId}</span>
                {d.replayOf && (
                  <span className="block text-xs text-gray-600" data-testid="replay-marker">
                    replay
                  </span>
                )}
              </Td>
              <Td>
                <span className="font-mono">{d.endpointUrl}</span>
              </Td>
              <Td>
                <span data-testid="delivery-status">{d.status}</span>
              </Td>
              <Td className="text-right tabular-nums">{d.attempts}</Td>
              <Td className="whitespace-normal">
                {d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : d.lastError ? "No answer" : "—"}
                {d.lastError && <span className="block max-w-xs truncate text-xs text-gray-600">{d.lastError}</span>}
              </Td>
              <Td>{d.nextAttemptAt ? <LocalTime value={d.nextAttemptAt} /> : "—"}</Td>
              <Td>
                <LocalTime value={d.createdAt} />
              </Td>
              <Td>
                <ActionButton
                  url={`/api/billing/admin/webhook-endpoints/deliveries/${d.id}/replay`}
                  label="Replay"
                  pendingLabel="Replaying…"
                  done="Replayed."
                  tone="secondary"
                />
              </Td>
            </tr>
          ))}
        </tbody>
      </DataTable>
      <Pager basePath="/admin/outbound-webhooks" params={flatSearchParams(params)} nextCursor={result?.nextCursor ?? null} />
    </div>
  );
}
