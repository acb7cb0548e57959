import "server-only";
import { adjustRateLimit, consumeRateLimit, rateLimitUsage, rateLimited } from "@/lib/http/rate-limit";
import { normalizeEmail } from "./users";

/**
 * Password sign-in throttling that counts failures, not attempts, and never locks an owner out from
 * somewhere else (issue 18). Before the password is checked (`beforePasswordCheck`, on the request):
 *  - the IP's CPU budget (`sign-in` ip: every attempt, bcrypt is expensive);
 *  - the IP's wrong-password budget (`sign-in-failure` ip) and the account's budget from that IP
 *    (`sign-in-failure` account, keyed "email ip"): each attempt takes a point up front, so a burst
 *    of parallel guesses is bounded too, and a correct password gives its point back;
 *  - the account's wrong-password budget from every IP (`sign-in-account-failure`): while it is
 *    spent (a distributed guessing run), only IPs the account signed in from in the last 21 days
 *    get their password checked.
 * After the check (`afterPasswordCheck`): a success gives back the points it took and remembers the
 * IP; a failure also counts against the account-wide budget. A refused attempt is a 429 and is
 * never checked, so it cannot succeed and teaches nothing.
 */
const accountFromIp = (email: string, ip: string) => `${normalizeEmail(email)} ${ip}`;

export async function beforePasswordCheck(email: string, ip: string): Promise<void> {
  await consumeRateLimit("sign-in", "ip", ip);
  await consumeRateLimit("sign-in-failure", "ip", ip);
  await consumeRateLimit("sign-in-failure", "account", accountFromIp(email, ip));
  const account = await rateLimitUsage("sign-in-account-failure", "account", normalizeEmail(email));
  if (account.spent && !(await rateLimitUsage("sign-in-known-ip", "account", accountFromIp(email, ip))).used) {
    throw rateLimited(account.retryAfterSeconds);
  }
}

export async function afterPasswordCheck(email: string, ip: string, succeeded: boolean): Promise<void> {
  if (succeeded) {
    await adjustRateLimit("sign-in-failure", "ip", ip, -1);
    await adjustRateLimit("sign-in-failure", "account", accountFromIp(email, ip), -1);
    await adjustRateLimit("sign-in-known-ip", "account", accountFromIp(email, ip), 1, { renew: true });
  } else {
    await adjustRateLimit("sign-in-account-failure", "account", normalizeEmail(email), 1);
  }
}
