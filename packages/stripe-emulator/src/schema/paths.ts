/** `/v1/customers/${encodeURIComponent(id)}` (SDK) and `/v1/customers/:id` (emulator) both become `/v1/customers/{}`. */
export function normalizePath(path: string): string {
  return path.replace(/\$\{[^}]+\}/g, "{}").replace(/:[a-z_]+/g, "{}");
}
