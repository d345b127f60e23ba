/** The history filters, as kept in the page's URL (shareable) and sent to GET /api/v1/calls. */
export const HISTORY_FILTERS = [
  'state',
  'answered',
  'from',
  'to',
  'number',
  'leadId',
  'campaign',
  'inGroup',
  'agent',
  'status',
  'audioVerdict',
  'conversationId',
  'sort',
] as const;
export type HistoryFilter = (typeof HISTORY_FILTERS)[number];

/** `datetime-local` values are local times without a zone; the API wants an instant. */
const TIME_FILTERS = new Set<HistoryFilter>(['from', 'to']);

/** The API path of one page of the history for the filters in `search`. */
export function historyApiPath(search: URLSearchParams, cursor?: string, limit = 50): string {
  const query = new URLSearchParams();
  for (const name of HISTORY_FILTERS) {
    const value = search.get(name)?.trim();
    if (!value) continue;
    if (TIME_FILTERS.has(name)) {
      const time = new Date(value);
      query.set(name, Number.isNaN(time.getTime()) ? value : time.toISOString());
    } else {
      query.set(name, value);
    }
  }
  query.set('limit', String(limit));
  if (cursor) query.set('cursor', cursor);
  return `/api/v1/calls?${query.toString()}`;
}
