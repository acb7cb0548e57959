"use client";

import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};

/**
 * False in the server's HTML and until React has hydrated the component, true after. A button
 * whose action is JavaScript stays disabled until then: a click or key press before hydration would
 * otherwise do nothing and look like a broken button.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}
