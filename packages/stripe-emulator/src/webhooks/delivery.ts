import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { signatureHeader } from "./signing";
import { copiesPerDelivery, orderBatch } from "./chaos";
import { API_VERSION } from "../config";
import { isApiVersion, type ApiVersion } from "../versions/versions";
import { eventTypeExists, renderEvent } from "../versions/render";

export interface DeliveryRecord {
  id: number;
  event_id: string;
  event_type: string;
  endpoint_id: string | null;
  endpoint_url: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  /** Delay before the next attempt when this one failed and will be retried. */
  next_retry_in_ms: number | null;
}

interface Target {
  endpointId: string | null;
  url: string;
  secret: string;
  /** The endpoint's API version: the events it receives are rendered in it. */
  apiVersion: ApiVersion;
}

interface Job {
  event: Stripe.Event;
  /** The event in the endpoint's version, when that is not the pinned one (rendered when the event happens). */
  rendered: Stripe.Event | null;
  target: Target;
  attempt: number;
  dueAt: number;
}

const MAX_ATTEMPTS = 8;
/** Real-time backoff between attempts (Stripe retries for up to three days; this is compressed for local dev). */
const DEV_BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000];
const REQUEST_TIMEOUT_MS = 10_000;

function backoffMs(attempt: number, testMode: boolean, retryBaseMs: number | null): number {
  if (retryBaseMs) return retryBaseMs * 2 ** (attempt - 1);
  if (testMode) return 10 * 2 ** (attempt - 1);
  return DEV_BACKOFF_MS[Math.min(attempt - 1, DEV_BACKOFF_MS.length - 1)];
}

function matches(enabled: string[], type: string): boolean {
  return enabled.includes("*") || enabled.includes(type);
}

/**
 * Sends events to the default webhook URL and to registered endpoints, in order (unless chaos says otherwise),
 * retrying failures with exponential backoff. `flush()` resolves once nothing is queued, sending, or waiting to retry.
 */
export class WebhookDelivery {
  readonly log: DeliveryRecord[] = [];
  private queue: Job[] = [];
  private draining = false;
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  private waiters: Array<() => void> = [];
  private nextRecordId = 1;
  private generation = 0;
  private stopped = false;

  constructor(private readonly emu: Emulator) {}

  private targetsFor(event: Stripe.Event): Target[] {
    const targets: Target[] = [];
    const { webhookUrl, webhookSecret, webhookApiVersion } = this.emu.settings;
    if (webhookUrl) targets.push({ endpointId: null, url: webhookUrl, secret: webhookSecret, apiVersion: webhookApiVersion });
    for (const endpoint of this.emu.store.webhookEndpoints.values()) {
      if (endpoint.status !== "enabled" || !matches(endpoint.enabled_events, event.type)) continue;
      const apiVersion = endpoint.api_version && isApiVersion(endpoint.api_version) ? endpoint.api_version : API_VERSION;
      targets.push({ endpointId: endpoint.id, url: endpoint.url, secret: endpoint.secret ?? "", apiVersion });
    }
    // An endpoint on a version that predates an event type does not receive it.
    return targets.filter((t) => eventTypeExists(t.apiVersion, event.type));
  }

  enqueue(event: Stripe.Event): void {
    const targets = this.targetsFor(event);
    event.pending_webhooks = targets.length;
    const now = Date.now();
    const rendered = new Map<ApiVersion, Stripe.Event>();
    for (const target of targets) {
      let copy: Stripe.Event | null = null;
      if (target.apiVersion !== API_VERSION) {
        copy = rendered.get(target.apiVersion) ?? renderEvent(this.emu, event, target.apiVersion);
        rendered.set(target.apiVersion, copy);
      }
      this.queue.push({ event, rendered: copy, target, attempt: 1, dueAt: now });
    }
    this.schedule();
  }

  /** Start delivering on the next tick, so all events from one API call form one batch. */
  schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.draining || this.stopped) return;
    if (this.emu.settings.deliveryPaused) {
      this.notifyIfIdle();
      return;
    }
    this.draining = true;
    const generation = this.generation;
    try {
      for (;;) {
        const now = Date.now();
        const ready = this.queue.filter((j) => j.dueAt <= now);
        if (ready.length === 0 || this.emu.settings.deliveryPaused || generation !== this.generation) break;
        this.queue = this.queue.filter((j) => j.dueAt > now);
        const batch = orderBatch(ready, this.emu.settings.chaos);
        if (this.emu.settings.chaos.concurrent) {
          await Promise.all(batch.map((job) => this.deliver(job, generation)));
        } else {
          for (const job of batch) await this.deliver(job, generation);
        }
      }
    } finally {
      this.draining = false;
    }
    this.armTimer();
    this.notifyIfIdle();
  }

  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length === 0 || this.stopped) return;
    const next = Math.min(...this.queue.map((j) => j.dueAt));
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.drain();
      },
      Math.max(0, next - Date.now()),
    );
  }

  private async deliver(job: Job, generation: number): Promise<void> {
    const copies = copiesPerDelivery(this.emu.settings.chaos);
    const sends: Array<Promise<{ ok: boolean; record: DeliveryRecord }>> = [];
    for (let i = 0; i < copies; i++) sends.push(this.send(job));
    const results = await Promise.all(sends);
    if (generation !== this.generation) return;
    if (results.some((r) => r.ok)) {
      job.event.pending_webhooks = Math.max(0, job.event.pending_webhooks - 1);
      this.emu.scheduleSave();
      return;
    }
    if (job.attempt < MAX_ATTEMPTS) {
      const delay = backoffMs(job.attempt, this.emu.settings.testMode, this.emu.settings.retryBaseMs);
      for (const r of results) r.record.next_retry_in_ms = delay;
      this.queue.push({ ...job, attempt: job.attempt + 1, dueAt: Date.now() + delay });
    }
  }

  private async send(job: Job): Promise<{ ok: boolean; record: DeliveryRecord }> {
    if (job.rendered) job.rendered.pending_webhooks = job.event.pending_webhooks;
    const payload = JSON.stringify(job.rendered ?? job.event, null, 2);
    const started = Date.now();
    const record: DeliveryRecord = {
      id: this.nextRecordId++,
      event_id: job.event.id,
      event_type: job.event.type,
      endpoint_id: job.target.endpointId,
      endpoint_url: job.target.url,
      attempt: job.attempt,
      status_code: null,
      error: null,
      started_at: new Date(started).toISOString(),
      finished_at: null,
      duration_ms: null,
      next_retry_in_ms: null,
    };
    this.log.push(record);
    this.inFlight++;
    try {
      const response = await fetch(job.target.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "Stripe-Signature": signatureHeader(payload, job.target.secret),
        },
        body: payload,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.arrayBuffer().catch(() => undefined);
      record.status_code = response.status;
      if (response.status < 200 || response.status >= 300) record.error = `HTTP ${response.status}`;
      return { ok: response.status >= 200 && response.status < 300, record };
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
      return { ok: false, record };
    } finally {
      const finished = Date.now();
      record.finished_at = new Date(finished).toISOString();
      record.duration_ms = finished - started;
      this.inFlight--;
    }
  }

  private idle(): boolean {
    if (this.emu.settings.deliveryPaused) return !this.draining && this.inFlight === 0;
    return this.queue.length === 0 && !this.draining && this.inFlight === 0 && !this.scheduled;
  }

  private notifyIfIdle(): void {
    if (!this.idle()) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves when every queued delivery, including retries, has finished (or delivery is paused). */
  flush(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.schedule();
    });
  }

  /** Called when `deliveryPaused` flips back to false. */
  resume(): void {
    this.schedule();
  }

  reset(): void {
    this.generation++;
    this.queue = [];
    this.log.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.notifyIfIdle();
  }

  stop(): void {
    this.stopped = true;
    this.queue = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
