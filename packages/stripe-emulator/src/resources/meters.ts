import type Stripe from "stripe";
import type { Router } from "../http/router";
import type { Emulator } from "../emulator";
import { newId, randomToken } from "../ids";
import { emitEvent } from "../events";
import { clone } from "../json";
import { invalidRequest, parameterMissing, resourceMissing } from "../http/errors";
import { newestFirst, paginate } from "../http/pagination";
import { aggregateMeter } from "../billing/metering";
import { METER_IDENTIFIER_WINDOW } from "../config";

function getMeter(emu: Emulator, id: string): Stripe.Billing.Meter {
  const meter = emu.store.meters.get(id);
  if (!meter) throw resourceMissing("billing meter", id);
  return meter;
}

export function registerMeters(router: Router): void {
  router.post("/v1/billing/meters", ({ emu, params }) => {
    const eventName = params.requiredStr("event_name");
    if ([...emu.store.meters.values()].some((m) => m.event_name === eventName && m.status === "active")) {
      throw invalidRequest(
        `An active meter with event_name \`${eventName}\` already exists.`,
        "event_name",
        "meter_event_name_already_exists",
      );
    }
    const aggregation = params.requiredObj("default_aggregation");
    const formula = aggregation.oneOf("formula", ["count", "last", "sum"] as const);
    if (!formula) throw parameterMissing("default_aggregation[formula]");
    const now = emu.realNow();
    const meter: Stripe.Billing.Meter = {
      id: newId("mtr"),
      object: "billing.meter",
      created: now,
      customer_mapping: {
        event_payload_key: params.obj("customer_mapping")?.str("event_payload_key") ?? "stripe_customer_id",
        type: "by_id",
      },
      default_aggregation: { formula },
      display_name: params.requiredStr("display_name"),
      event_name: eventName,
      event_time_window: params.oneOf("event_time_window", ["day", "hour"] as const) ?? null,
      livemode: false,
      status: "active",
      status_transitions: { deactivated_at: null },
      updated: now,
      value_settings: { event_payload_key: params.obj("value_settings")?.str("event_payload_key") ?? "value" },
    };
    emu.store.meters.set(meter.id, meter);
    emitEvent(emu, "billing.meter.created", meter);
    return meter;
  });
  router.get("/v1/billing/meters", ({ emu, params }) => {
    const status = params.str("status");
    const items = newestFirst(emu.store.meters.values()).filter((m) => !status || m.status === status);
    return paginate(items, params, "/v1/billing/meters", "billing meter");
  });
  router.get("/v1/billing/meters/:id", ({ emu, path }) => getMeter(emu, path.id));
  router.post("/v1/billing/meters/:id", ({ emu, path, params }) => {
    const meter = getMeter(emu, path.id);
    const before = clone(meter);
    meter.display_name = params.str("display_name") ?? meter.display_name;
    meter.updated = emu.realNow();
    emitEvent(emu, "billing.meter.updated", meter, before);
    return meter;
  });
  router.post("/v1/billing/meters/:id/deactivate", ({ emu, path }) => {
    const meter = getMeter(emu, path.id);
    meter.status = "inactive";
    meter.status_transitions.deactivated_at = emu.realNow();
    emitEvent(emu, "billing.meter.deactivated", meter);
    return meter;
  });
  router.post("/v1/billing/meters/:id/reactivate", ({ emu, path }) => {
    const meter = getMeter(emu, path.id);
    meter.status = "active";
    meter.status_transitions.deactivated_at = null;
    emitEvent(emu, "billing.meter.reactivated", meter);
    return meter;
  });
  router.get("/v1/billing/meters/:id/event_summaries", ({ emu, path, params }) => {
    const meter = getMeter(emu, path.id);
    const customer = params.requiredStr("customer");
    const start = params.requiredInt("start_time");
    const end = params.requiredInt("end_time");
    const windowSize = params.oneOf("value_grouping_window", ["day", "hour"] as const);
    const step = windowSize === "day" ? 86_400 : windowSize === "hour" ? 3600 : end - start;
    const summaries: Stripe.Billing.MeterEventSummary[] = [];
    for (let from = start; from < end; from += step) {
      const to = Math.min(end, from + step);
      summaries.push({
        id: `mtrusg_${randomToken(24)}`,
        object: "billing.meter_event_summary",
        aggregated_value: aggregateMeter(emu, meter, customer, from, to),
        end_time: to,
        livemode: false,
        meter: meter.id,
        start_time: from,
      });
    }
    return paginate(summaries, params, `/v1/billing/meters/${meter.id}/event_summaries`, "meter event summary");
  });

  router.post("/v1/billing/meter_events", ({ emu, params }) => {
    const eventName = params.requiredStr("event_name");
    const payload = params.stringMap("payload");
    if (!payload) throw parameterMissing("payload");
    const meter = [...emu.store.meters.values()].find((m) => m.event_name === eventName && m.status === "active");
    const identifier = params.str("identifier") ?? randomToken(24);
    const received = emu.realNow();
    const duplicate = emu.store.meterEvents.find(
      (e) => e.event.identifier === identifier && received - e.receivedAt < METER_IDENTIFIER_WINDOW,
    );
    if (duplicate) {
      throw invalidRequest(`An event already exists with identifier ${identifier}.`, "identifier", "meter_event_duplicate_identifier");
    }
    const customerKey = meter?.customer_mapping.event_payload_key ?? "stripe_customer_id";
    const valueKey = meter?.value_settings.event_payload_key ?? "value";
    const customer = payload[customerKey];
    if (!customer) throw invalidRequest(`Missing required payload key: ${customerKey}.`, `payload[${customerKey}]`, "parameter_missing");
    const rawValue = payload[valueKey];
    const value = rawValue === undefined ? 1 : Number(rawValue);
    if (!Number.isFinite(value)) throw invalidRequest(`Invalid value in payload[${valueKey}]: must be a number.`, `payload[${valueKey}]`);
    const timestamp = params.int("timestamp") ?? emu.nowFor(emu.store.customers.has(customer) ? customer : null);
    const event: Stripe.Billing.MeterEvent = {
      object: "billing.meter_event",
      created: received,
      event_name: eventName,
      identifier,
      livemode: false,
      payload,
      timestamp,
    };
    emu.store.meterEvents.push({ event, meterId: meter?.id ?? "", customer, value, receivedAt: received });
    emu.scheduleSave();
    return event;
  });
}
