import { historyApiPath } from './history-query';

describe('historyApiPath', () => {
  it('sends the known filters, times as instants, and the cursor', () => {
    const search = new URLSearchParams({
      state: 'ended',
      from: '2025-01-31T08:00',
      number: ' 312 ',
      campaign: '',
      bogus: 'x',
    });
    const path = historyApiPath(search, 'abc', 20);
    const query = new URL(path, 'http://x').searchParams;
    expect(path.startsWith('/api/v1/calls?')).toBe(true);
    expect(Object.fromEntries(query)).toEqual({
      state: 'ended',
      from: new Date('2025-01-31T08:00').toISOString(),
      number: '312',
      limit: '20',
      cursor: 'abc',
    });
  });
});
