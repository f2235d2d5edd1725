/** Who a delivery goes to, without secrets: e-mail addresses, a webhook's host, a command's program. */
export function recipientsOf(module: string, settings: unknown): string {
  const s = (settings ?? {}) as Record<string, unknown>;
  if (module === 'email') return (Array.isArray(s.to) ? s.to : [s.to]).filter((v): v is string => typeof v === 'string').join(', ');
  if (module === 'webhook' && typeof s.url === 'string') {
    try {
      return new URL(s.url).host;
    } catch {
      return '';
    }
  }
  if (module === 'command' && typeof s.path === 'string') return s.path;
  return '';
}
