/** The app's public base URL for links sent to Stripe (success, cancel and return URLs). */
export function appUrl(requestOrigin?: string): string {
  const configured = process.env.APP_URL || process.env.NEXTAUTH_URL;
  return (configured || requestOrigin || "http://localhost:3000").replace(/\/+$/, "");
}
