import type { ApiFailure } from "@/components/billing/api";

/** What went wrong, in plain words: the API's own message, with a hint for the refusals people meet here. */
export function describeFailure(failure: ApiFailure): string {
  switch (failure.error) {
    case "last_owner":
      return `${failure.message} Make another member an owner first.`;
    case "seat_limit_reached":
      return `${failure.message} Remove a member or change the plan on the Billing page to add more.`;
    case "subscription_exists":
      return `${failure.message}`;
    case "forbidden":
      return `You are not allowed to do that: ${failure.message}`;
    case "not_found":
      return `${failure.message} Reload the page: it may have changed.`;
    default:
      return failure.message;
  }
}
