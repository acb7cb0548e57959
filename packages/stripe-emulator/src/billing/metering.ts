import type Stripe from "stripe";
import type { Emulator } from "../emulator";

/** Aggregate a customer's meter events in [start, end) with the meter's formula (sum, count or last). */
export function aggregateMeter(emu: Emulator, meter: Stripe.Billing.Meter, customer: string, start: number, end: number): number {
  const events = emu.store.meterEvents
    .filter((e) => e.meterId === meter.id && e.customer === customer && e.event.timestamp >= start && e.event.timestamp < end)
    .sort((a, b) => a.event.timestamp - b.event.timestamp);
  switch (meter.default_aggregation.formula) {
    case "count":
      return events.length;
    case "last":
      return events.length ? events[events.length - 1].value : 0;
    default:
      return events.reduce((sum, e) => sum + e.value, 0);
  }
}

export function meteredUsage(emu: Emulator, price: Stripe.Price, customer: string, start: number, end: number): number {
  const meterId = price.recurring?.meter;
  const meter = meterId ? emu.store.meters.get(meterId) : undefined;
  return meter ? aggregateMeter(emu, meter, customer, start, end) : 0;
}
