"use client";

import { signOut } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useHydrated } from "./use-hydrated";

export function SignOutButton() {
  // Disabled until hydrated: a click before then would do nothing and leave the user signed in.
  const hydrated = useHydrated();
  const router = useRouter();
  async function signOutHere() {
    // Stay on the host in the address bar (next-auth would redirect to NEXTAUTH_URL's host).
    await signOut({ redirect: false });
    router.push("/");
    router.refresh();
  }
  return (
    <button
      type="button"
      disabled={!hydrated}
      onClick={() => void signOutHere()}
      className="rounded-md border border-gray-300 px-3 py-1.5 hover:bg-gray-100 disabled:opacity-60"
    >
      Sign out
    </button>
  );
}
