import type Stripe from "stripe";

/**
 * Why the customer portal cannot update a subscription, or null when it can. Stripe's portal only changes the plan
 * or quantity of a subscription with a single licensed item: one with several items (several products) or with a
 * usage-based (metered) price can only be canceled there ("we can only support cancellation for this subscription").
 */
export function portalUpdateBlockers(sub: Stripe.Subscription): string[] {
  const reasons: string[] = [];
  if (sub.items.data.some((item) => item.price.recurring?.usage_type === "metered")) reasons.push("it has usage-based prices");
  if (sub.items.data.length > 1) reasons.push("it has more than one product");
  return reasons;
}

/** The sentence the portal page shows (and a deep link's error uses) for a subscription it cannot update. */
export function portalUpdateUnavailable(sub: Stripe.Subscription): string | null {
  const reasons = portalUpdateBlockers(sub);
  return reasons.length ? `This subscription cannot be updated in the customer portal because ${reasons.join(" and ")}.` : null;
}
