"use client";

import { lazy, Suspense } from "react";
import { useOnScreen } from "@/components/use-on-screen";
import type { ApiKeyView } from "@/lib/auth/api-keys";

const ApiKeys = lazy(() => import("./api-keys").then((m) => ({ default: m.ApiKeys })));

/**
 * The API key manager, loaded once its section is on screen. Until then `children` (the same
 * markup rendered on the server by api-key-list.tsx, inert) holds its place, so nothing shifts.
 */
export function LazyApiKeys({ accountId, initial, children }: { accountId: string; initial: ApiKeyView[]; children: React.ReactNode }) {
  const [ref, onScreen] = useOnScreen<HTMLDivElement>();
  return (
    <div ref={ref}>
      {onScreen ? (
        <Suspense fallback={children}>
          <ApiKeys accountId={accountId} initial={initial} />
        </Suspense>
      ) : (
        children
      )}
    </div>
  );
}
