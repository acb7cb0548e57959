import type { Router } from "../http/router";
import { emitEvent } from "../events";
import { clone } from "../json";
import { invalidRequest, parameterMissing } from "../http/errors";
import { newestFirst, paginate } from "../http/pagination";
import { getCustomer, getSchedule, getSubscription } from "./lookup";
import { createScheduleFromSubscription, createScheduleWithPhases, releaseSchedule, updateSchedulePhases } from "../billing/schedules";
import { cancelSubscription } from "../billing/subscriptions";

const END_BEHAVIORS = ["cancel", "none", "release", "renew"] as const;

export function registerSubscriptionSchedules(router: Router): void {
  router.post("/v1/subscription_schedules", ({ emu, params }) => {
    const from = params.str("from_subscription");
    if (!from) {
      // A new subscription, created by the schedule from its first phase.
      const customerId = params.str("customer");
      if (!customerId) throw parameterMissing(params.has("phases") ? "customer" : "from_subscription");
      const customer = getCustomer(emu, customerId, "customer");
      const phases = params.objArray("phases");
      if (!phases?.length) throw parameterMissing("phases");
      const startRaw = params.str("start_date");
      const start = startRaw === undefined || startRaw === "now" ? "now" : params.requiredInt("start_date");
      const schedule = createScheduleWithPhases(emu, customer, phases, start, params.applyMetadata({}));
      const endBehavior = params.oneOf("end_behavior", END_BEHAVIORS);
      if (endBehavior) schedule.end_behavior = endBehavior;
      return schedule;
    }
    if (params.has("customer")) throw invalidRequest("You cannot set `customer` if `from_subscription` is set.", "customer");
    if (params.has("start_date")) throw invalidRequest("You cannot set `start_date` if `from_subscription` is set.", "start_date");
    if (params.has("phases")) {
      throw invalidRequest("You cannot set `phases` if `from_subscription` is set.", "phases");
    }
    const sub = getSubscription(emu, from, "from_subscription");
    const schedule = createScheduleFromSubscription(emu, sub, params.applyMetadata({}));
    const endBehavior = params.oneOf("end_behavior", END_BEHAVIORS);
    if (endBehavior) schedule.end_behavior = endBehavior;
    return schedule;
  });
  router.get("/v1/subscription_schedules", ({ emu, params }) => {
    const customer = params.str("customer");
    const items = newestFirst(emu.store.subscriptionSchedules.values()).filter((s) => !customer || s.customer === customer);
    return paginate(items, params, "/v1/subscription_schedules", "subscription schedule");
  });
  router.get("/v1/subscription_schedules/:id", ({ emu, path }) => getSchedule(emu, path.id));
  router.post("/v1/subscription_schedules/:id", ({ emu, path, params }) => {
    const schedule = getSchedule(emu, path.id);
    if (schedule.status !== "active" && schedule.status !== "not_started") {
      throw invalidRequest(
        `You cannot update a subscription schedule that is currently in the \`${schedule.status}\` status.`,
        undefined,
        "subscription_schedule_invalid_status",
      );
    }
    const before = clone(schedule);
    const phases = params.objArray("phases");
    if (phases) updateSchedulePhases(emu, schedule, phases);
    const endBehavior = params.oneOf("end_behavior", END_BEHAVIORS);
    if (endBehavior) schedule.end_behavior = endBehavior;
    schedule.metadata = params.applyMetadata(schedule.metadata ?? {});
    emitEvent(emu, "subscription_schedule.updated", schedule, before);
    return schedule;
  });
  router.post("/v1/subscription_schedules/:id/release", ({ emu, path }) => {
    const schedule = getSchedule(emu, path.id);
    releaseSchedule(emu, schedule);
    return schedule;
  });
  router.post("/v1/subscription_schedules/:id/cancel", ({ emu, path }) => {
    const schedule = getSchedule(emu, path.id);
    if (schedule.status !== "active" && schedule.status !== "not_started") {
      throw invalidRequest(
        `You cannot cancel a subscription schedule that is currently in the \`${schedule.status}\` status.`,
        undefined,
        "subscription_schedule_invalid_status",
      );
    }
    const subId = typeof schedule.subscription === "string" ? schedule.subscription : (schedule.subscription?.id ?? null);
    const sub = subId ? emu.store.subscriptions.get(subId) : undefined;
    if (sub && sub.status !== "canceled") {
      // Canceling the subscription cancels the schedule with it (subscription_schedule.canceled).
      cancelSubscription(emu, sub, { reason: "cancellation_requested" });
    }
    if (schedule.status !== "canceled") {
      schedule.status = "canceled";
      schedule.canceled_at = emu.nowFor(String(schedule.customer));
      schedule.current_phase = null;
      emitEvent(emu, "subscription_schedule.canceled", schedule);
    }
    return schedule;
  });
}
