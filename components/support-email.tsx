"use client";

import { createContext, useContext } from "react";
import { DEFAULT_SUPPORT_EMAIL } from "@/lib/support-default";

/**
 * The support address, read from `SUPPORT_EMAIL` by the root layout on the server and handed to
 * client components (the error page) that cannot read the environment themselves.
 */
const SupportEmailContext = createContext(DEFAULT_SUPPORT_EMAIL);

export function SupportEmailProvider({ email, children }: { email: string; children: React.ReactNode }) {
  return <SupportEmailContext.Provider value={email}>{children}</SupportEmailContext.Provider>;
}

export function useSupportEmail(): string {
  return useContext(SupportEmailContext);
}

/** "Need help? Write to support@…": a mailto link, for the billing page and the error pages. */
export function SupportContact({ email, lead = "Questions about billing?" }: { email: string; lead?: string }) {
  return (
    <p className="text-sm text-gray-600" data-testid="support-contact">
      {lead} Write to{" "}
      <a
        href={`mailto:${email}`}
        className="font-medium text-brand-700 underline underline-offset-2 hover:decoration-2 dark:text-brand-300"
      >
        {email}
      </a>
      .
    </p>
  );
}
