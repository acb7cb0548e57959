import type { ChaosSettings } from "../emulator";

/**
 * Reorders a batch of deliveries when `outOfOrder` is on. A batch of two or more is always permuted (a random
 * shuffle that happens to keep the original order is reversed instead), so tests can rely on seeing the disorder.
 */
export function orderBatch<T>(batch: T[], chaos: ChaosSettings): T[] {
  if (!chaos.outOfOrder || batch.length < 2) return batch;
  const shuffled = [...batch];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  if (shuffled.every((item, i) => item === batch[i])) shuffled.reverse();
  return shuffled;
}

/** How many times each delivery is sent (Stripe may deliver an event more than once). */
export function copiesPerDelivery(chaos: ChaosSettings): number {
  return chaos.duplicate ? 2 : 1;
}
