import "server-only";
import type Stripe from "stripe";

/**
 * A paid subscription carries its plan price (licensed; quantity 1, or the seats of a per-seat
 * plan) and, beside it, one metered
 * price per `bill` meter on the same interval (lib/billing/plans.ts `meteredLookupKeys`), so the
 * usage past the included amount that `npm run usage:report` sends to Stripe's meters is invoiced.
 * These helpers tell the items apart and build the `items` of a plan change.
 */

const isMetered = (price: Stripe.Price | string | null | undefined): boolean =>
  typeof price === "object" && price !== null && price.recurring?.usage_type === "metered";

/** The plan item: the licensed price (the first item when a subscription has only metered ones). */
export function planItemOf(subscription: Stripe.Subscription): Stripe.SubscriptionItem | undefined {
  const items = subscription.items.data;
  return items.find((item) => !isMetered(item.price)) ?? items[0];
}

export function meteredItemsOf(subscription: Stripe.Subscription): Stripe.SubscriptionItem[] {
  return subscription.items.data.filter((item) => isMetered(item.price));
}

/**
 * The `items` that move a subscription to `planPriceId` and the target interval's metered prices:
 * the plan item's price is replaced; a metered item moves to the price of the same meter on the new
 * interval (its usage stays with the item); a meter the subscription lacks (a subscription from
 * before it was billed) is added.
 */
export function itemsForPriceChange(
  subscription: Stripe.Subscription,
  planPriceId: string,
  metered: Stripe.Price[],
  /** The plan item's quantity on the new price (the seats of a per-seat plan, 1 otherwise); unchanged when absent. */
  quantity?: number,
): Stripe.SubscriptionUpdateParams.Item[] {
  const plan = planItemOf(subscription);
  if (!plan) throw new Error(`subscription ${subscription.id} has no items`);
  const items: Stripe.SubscriptionUpdateParams.Item[] = [
    { id: plan.id, price: planPriceId, ...(quantity === undefined ? {} : { quantity }) },
  ];
  const current = meteredItemsOf(subscription);
  for (const price of metered) {
    const same = current.find((item) => item.price.recurring?.meter === price.recurring?.meter);
    if (!same) items.push({ price: price.id });
    else if (same.price.id !== price.id) items.push({ id: same.id, price: price.id });
  }
  return items;
}

/** A schedule phase's items: the plan price with its quantity, then the metered prices (no quantity). */
export function phaseItems(
  planPriceId: string,
  quantity: number,
  meteredPriceIds: string[],
): Stripe.SubscriptionScheduleUpdateParams.Phase.Item[] {
  return [{ price: planPriceId, quantity }, ...meteredPriceIds.map((price) => ({ price }))];
}
