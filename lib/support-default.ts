/** The support address when `SUPPORT_EMAIL` is unset. Client-safe: the error pages and the support link import it. */
export const DEFAULT_SUPPORT_EMAIL = "support@example.com";
