import "server-only";
import { env as serverEnv, type EnvSource } from "@/env";
import { DEFAULT_SUPPORT_EMAIL } from "./support-default";

export { DEFAULT_SUPPORT_EMAIL };

/**
 * Where customers write about their bill: `SUPPORT_EMAIL`, shown on the billing page, the error
 * pages and in every billing email. Read it on the server and pass it down, since the browser has
 * no access to the environment (client components import lib/support-default.ts).
 */
export function supportEmail(env: EnvSource = serverEnv): string {
  return env.SUPPORT_EMAIL?.trim() || DEFAULT_SUPPORT_EMAIL;
}

/** The line every billing email ends with. */
export function supportFooter(email = supportEmail()): string {
  return `Questions about your bill? Write to ${email}.`;
}
