import type Stripe from "stripe";
import type { Emulator } from "./emulator";
import { API_VERSION } from "./config";
import { clone, previousAttributes } from "./json";
import { newId } from "./ids";

export type EventType = Stripe.Event["type"];
export type EventOf<T extends EventType> = Extract<Stripe.Event, { type: T }>;
export type EventObject<T extends EventType> = EventOf<T>["data"]["object"];

/** Unix time an event about `object` happened at: its test clock's frozen time when it lives on one. */
function eventTime(emu: Emulator, object: object): number {
  if ("test_clock" in object && typeof object.test_clock === "string") return emu.nowForClock(object.test_clock);
  if ("object" in object && object.object === "customer" && "id" in object && typeof object.id === "string") {
    return emu.nowFor(object.id);
  }
  if ("customer" in object && typeof object.customer === "string") return emu.nowFor(object.customer);
  return emu.realNow();
}

/**
 * Record an event (a snapshot of `object`) and queue it for every subscribed webhook endpoint.
 * `before` is the object's earlier state for *.updated events; changed top-level fields become previous_attributes.
 */
export function emitEvent<T extends EventType>(emu: Emulator, type: T, object: EventObject<T>, before?: EventObject<T>): EventOf<T> {
  const request = emu.currentRequest();
  const data: Stripe.Event.Data = { object: clone(object) };
  if (before) data.previous_attributes = previousAttributes(before, object);
  const event = {
    id: newId("evt"),
    object: "event",
    api_version: API_VERSION,
    created: eventTime(emu, object),
    data,
    livemode: false,
    pending_webhooks: 0,
    request: { id: request.id, idempotency_key: request.idempotencyKey },
    type,
  } satisfies Stripe.EventBase;
  // `type` pins which member of the Stripe.Event union this is, and `data.object` was typed for that member above.
  const typed = event as EventOf<T>;
  emu.store.events.set(typed.id, typed);
  emu.delivery.enqueue(typed);
  emu.scheduleSave();
  return typed;
}
