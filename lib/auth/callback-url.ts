/** Only same-site relative paths are followed after sign-in, never another origin. */
export function safeCallbackUrl(value: string | null | undefined, fallback = "/billing"): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  return value;
}
