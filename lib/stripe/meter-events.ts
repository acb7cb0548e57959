import "server-only";
import Stripe from "stripe";
import { getStripe } from "./client";

export interface MeterEventInput {
  eventName: string;
  customerId: string;
  value: number;
  /** Stripe dedupes on it (for at least 24 hours): a resend after a crash is not counted twice. */
  identifier: string;
  /** Unix seconds: when the usage happened. */
  timestamp: number;
}

/** Sends one Billing Meter event; "duplicate" when Stripe already has an event with this identifier. */
export async function sendMeterEvent(event: MeterEventInput): Promise<"sent" | "duplicate"> {
  try {
    await getStripe().billing.meterEvents.create({
      event_name: event.eventName,
      payload: { stripe_customer_id: event.customerId, value: String(event.value) },
      identifier: event.identifier,
      timestamp: event.timestamp,
    });
    return "sent";
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "meter_event_duplicate_identifier") return "duplicate";
    throw error;
  }
}
