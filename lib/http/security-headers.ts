/**
 * The Content-Security-Policy of every page: scripts only from this origin and with this
 * response's nonce (Next puts it on its own inline scripts), nothing framed, forms and connections
 * to this origin only. Styles allow inline attributes (React `style` props); script injection is
 * what CSP is here to stop. Development adds 'unsafe-eval' for React's dev tooling.
 */
export function contentSecurityPolicy(nonce: string, options: { dev: boolean; https: boolean }): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    `connect-src 'self'${options.dev ? " ws:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** Two years, subdomains included: only ever sent on https responses. */
export const HSTS = "max-age=63072000; includeSubDomains";
