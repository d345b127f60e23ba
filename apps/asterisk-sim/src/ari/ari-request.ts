import type { Request } from 'express';

/** ARI takes parameters from the query string or a JSON body alike. */
export function ariParams(req: Request): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = {};
  const body =
    req.body && typeof req.body === 'object' && !Array.isArray(req.body)
      ? (req.body as Record<string, unknown>)
      : {};
  for (const source of [req.query as Record<string, unknown>, body]) {
    for (const [key, value] of Object.entries(source)) {
      if (typeof value === 'string') merged[key] = value;
      else if (Array.isArray(value)) merged[key] = value.map(String).join(',');
      else if (typeof value === 'number' || typeof value === 'boolean') merged[key] = String(value);
    }
  }
  return merged;
}

/** A list parameter, given as `a,b` or repeated (`channel=a&channel=b`). */
export function ariList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** A path parameter (`:channelId`), always one string. */
export function pathParam(req: Request, name: string): string {
  const value = req.params[name];
  return Array.isArray(value) ? value.join('/') : (value ?? '');
}
