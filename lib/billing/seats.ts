import type { Queryable } from "@/db/client";

/**
 * Seats of per-seat plans (interface; the seats helper fills it in):
 * - `assertSeatAvailable(db, accountId, adding)` throws 409 `seat_limit_reached` (naming the
 *   plan's maximum) when `adding` more members would exceed the account's per-seat plan maximum;
 *   a no-op for plans not priced per seat.
 * - `syncSeats(accountId)` sets the Stripe subscription item's quantity to the member count
 *   (raises now with `always_invoice`, lowers from the period end through the schedule), reading
 *   Stripe first and never inside a transaction; safe to call concurrently and repeatedly.
 */
export interface SeatSyncResult {
  members: number;
  quantity: number | null;
  pendingQuantity: number | null;
}

export async function assertSeatAvailable(_db: Queryable, _accountId: string, _adding = 1): Promise<void> {}

export async function syncSeats(_accountId: string): Promise<SeatSyncResult | null> {
  return null;
}
