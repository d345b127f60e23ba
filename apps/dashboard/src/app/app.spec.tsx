import { act, render, screen } from '@testing-library/react';
import { App } from './app';
import { fetchBackendStatus } from './backend-status';

function response(status: number, body: unknown): Response {
  return { ok: status >= 200 && status < 300, status, json: async () => body } as Response;
}

describe('fetchBackendStatus', () => {
  it('reads ready, degraded (naming what is down) and unreachable', async () => {
    expect(await fetchBackendStatus(async () => response(200, { status: 'ok' }))).toEqual({
      state: 'ready',
      down: [],
    });
    expect(
      await fetchBackendStatus(async () =>
        response(503, { status: 'error', error: { database: { status: 'down' } } }),
      ),
    ).toEqual({
      state: 'degraded',
      down: ['database'],
    });
    expect(
      await fetchBackendStatus(async () => {
        throw new TypeError('Failed to fetch');
      }),
    ).toEqual({ state: 'unreachable', down: [] });
  });
});

describe('App', () => {
  it('shows the backend state it loaded', async () => {
    await act(async () => {
      render(<App loadStatus={async () => ({ state: 'degraded', down: ['nats'] })} />);
    });
    expect(screen.getByRole('status').textContent).toBe('Bridge degraded: nats down');
  });
});
