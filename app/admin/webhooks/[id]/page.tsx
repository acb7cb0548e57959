import type { Metadata } from "next";
import Link from "next/link";
import { ActionButton } from "@/components/admin/action-button";
import { linkClass } from "@/components/admin/table";
import { WebhookStatus } from "@/components/admin/webhook-events-table";
import { LocalTime } from "@/components/local-time";
import { Card } from "@/components/ui";
import { requireAdmin } from "@/lib/auth/session";
import { adminWebhookEvent } from "@/lib/billing/admin/console";
import { orNotFound } from "../../or-not-found";

export const metadata: Metadata = { title: "Webhook event · Admin" };
export const dynamic = "force-dynamic";

export default async function AdminWebhookEventPage({ params }: { params: Promise<{ id: string }> }) {
  const id = decodeURIComponent((await params).id);
  await requireAdmin(`/admin/webhooks/${encodeURIComponent(id)}`);
  const event = await orNotFound(adminWebhookEvent(id));
  const rows: Array<[string, React.ReactNode]> = [
    [
      "Type",
      <span key="t" className="font-mono">
        {event.type}
      </span>,
    ],
    ["Status", <WebhookStatus key="s" status={event.status} />],
    ["Attempts", event.attempts],
    [
      "Object",
      <span key="o" className="font-mono">
        {event.objectId ?? "—"}
      </span>,
    ],
    ["Received", <LocalTime key="r" value={event.receivedAt} />],
    ["Processed", <LocalTime key="p" value={event.processedAt} />],
  ];
  // A failure's error, or why the event was ignored: an outcome, shown neutrally, never as an error.
  if (event.lastError)
    rows.push([
      "Last error",
      <span key="e" className="text-red-700 dark:text-red-300">
        {event.lastError}
      </span>,
    ]);
  if (event.note) rows.push([event.status === "ignored" ? "Ignored" : "Note", event.note]);
  if (!event.lastError && !event.note) rows.push(["Last error", "—"]);
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link href="/admin/webhooks" className={linkClass}>
          ← All webhook events
        </Link>
      </p>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="break-all font-mono text-xl font-semibold">{event.id}</h1>
        {event.status === "failed" && (
          <ActionButton
            url={`/api/billing/admin/webhooks/${encodeURIComponent(event.id)}/replay`}
            label="Replay event"
            pendingLabel="Replaying…"
            done="Replayed."
          />
        )}
      </div>
      <Card>
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]">
          {rows.map(([label, value]) => (
            <div key={label} className="contents">
              <dt className="font-medium text-gray-600">{label}</dt>
              <dd className="break-words">{value}</dd>
            </div>
          ))}
        </dl>
      </Card>
      <section aria-labelledby="payload-heading" className="space-y-2">
        <h2 id="payload-heading" className="text-lg font-semibold">
          Payload
        </h2>
        <pre
          tabIndex={0}
          aria-labelledby="payload-heading"
          data-testid="webhook-payload"
          className="max-h-[32rem] overflow-auto rounded-lg border border-gray-200 bg-gray-900 p-4 font-mono text-xs leading-relaxed text-gray-100 focus-visible:outline-2 focus-visible:outline-brand-600"
        >
          {JSON.stringify(event.payload, null, 2)}
        </pre>
      </section>
    </div>
  );
}
