/**
 * Where customers write about their bill: `SUPPORT_EMAIL`, shown on the billing page, the error
 * pages and in every billing email. Client-safe (no server-only imports); read it on the server and
 * pass it down, since the browser has no access to the environment.
 */
export const DEFAULT_SUPPORT_EMAIL = "support@example.com";

export function supportEmail(env: Record<string, string | undefined> = process.env): string {
  return env.SUPPORT_EMAIL?.trim() || DEFAULT_SUPPORT_EMAIL;
}

/** The line every billing email ends with. */
export function supportFooter(email = supportEmail()): string {
  return `Questions about your bill? Write to ${email}.`;
}
