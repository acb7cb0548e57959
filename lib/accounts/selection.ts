/**
 * The account the browser has selected (the header's switcher): a plain cookie holding the
 * account's id, set by the browser and read by the server. It is only a preference: the server
 * re-checks the membership on every read (lib/accounts/current.ts), and every API call still names
 * its account and is authorized on its own (lib/accounts/access.ts).
 */
export const ACCOUNT_COOKIE = "account";

/** A year: the choice outlives the session (a new session starts where the last one was). */
export const ACCOUNT_COOKIE_MAX_AGE = 365 * 24 * 60 * 60;
