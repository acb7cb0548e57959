"use client";

import { signOut } from "next-auth/react";

export function SignOutButton() {
  return (
    <button
      type="button"
      onClick={() => signOut({ callbackUrl: "/" })}
      className="rounded-md border border-gray-300 px-3 py-1.5 hover:bg-gray-100"
    >
      Sign out
    </button>
  );
}
