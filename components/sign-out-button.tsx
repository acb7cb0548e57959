"use client";

import { signOut } from "next-auth/react";
import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};

export function SignOutButton() {
  // Disabled until hydrated: a click before then would do nothing and leave the user signed in.
  const hydrated = useSyncExternalStore(noSubscription, () => true, () => false);
  return (
    <button
      type="button"
      disabled={!hydrated}
      onClick={() => signOut({ callbackUrl: "/" })}
      className="rounded-md border border-gray-300 px-3 py-1.5 hover:bg-gray-100 disabled:opacity-60"
    >
      Sign out
    </button>
  );
}
