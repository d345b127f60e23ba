import { act, fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import type { LiveCall } from '@asb/contracts';
import { liveCall } from '../__tests__/live-call.fixture';
import { BackendStatusBadge } from '../layout/backend-status-badge';
import { LiveCallsModel } from '../live/live-calls-model';
import type { LiveFeed } from '../live/live-feed';
import { App } from './app';
import { fetchBackendStatus } from './backend-status';

function response(status: number, body: unknown): Response {
  return { ok: status >= 200 && status < 300, status, json: async () => body } as Response;
}

/** A feed without a socket: the model is filled by the test. */
function fakeFeed(calls: LiveCall[]): LiveFeed {
  const model = new LiveCallsModel();
  model.applySnapshot({ at: new Date().toISOString(), complete: true, calls });
  return {
    model,
    status: 'live',
    statusDetail: '',
    subscribe: () => () => undefined,
    getVersion: () => 1,
    close: () => undefined,
    onAudio: () => () => undefined,
  } as unknown as LiveFeed;
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
    ).toEqual({ state: 'degraded', down: ['database'] });
    expect(
      await fetchBackendStatus(async () => {
        throw new TypeError('Failed to fetch');
      }),
    ).toEqual({ state: 'unreachable', down: [] });
  });
});

describe('BackendStatusBadge', () => {
  it('shows the backend state it loaded', async () => {
    await act(async () => {
      render(
        <BackendStatusBadge loadStatus={async () => ({ state: 'degraded', down: ['nats'] })} />,
      );
    });
    expect(screen.getByRole('status').textContent).toBe('Bridge degraded: nats down');
  });
});

describe('App', () => {
  const realFetch = global.fetch;

  afterEach(() => {
    global.fetch = realFetch;
    sessionStorage.clear();
  });

  it('asks for a login, then shows the live calls, rendering only the rows on screen', async () => {
    const calls = Array.from({ length: 2000 }, (_, i) => liveCall(i));
    global.fetch = jest.fn(async (path: RequestInfo | URL) => {
      if (String(path) === '/api/v1/auth/login') {
        return response(200, {
          accessToken: 'token',
          tokenType: 'Bearer',
          expiresIn: 3600,
          user: { id: 'u1', username: 'root', role: 'admin' },
        });
      }
      return response(200, { status: 'ok' });
    }) as typeof fetch;
    render(
      <MemoryRouter>
        <App
          loadStatus={async () => ({ state: 'ready', down: [] })}
          createFeed={() => fakeFeed(calls)}
        />
      </MemoryRouter>,
    );
    fireEvent.change(screen.getByLabelText('User'), { target: { value: 'root' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'secret password' } });
    await act(async () => {
      fireEvent.submit(screen.getByRole('form', { name: 'Log in' }));
    });
    expect(await screen.findByTestId('live-count')).toHaveProperty('textContent', '2000');
    expect(screen.getAllByRole('row').length).toBeLessThan(60);
    expect(screen.getByText('root (admin)')).toBeTruthy();
    // Every colour a badge can take is explained beside the table.
    const legend = screen.getByLabelText('What the colours mean');
    for (const health of ['waiting', 'healthy', 'degraded', 'stalled', 'failed', 'stopped']) {
      expect(legend.querySelector(`.badge-${health}`)?.textContent).toBe(health);
    }
  });

  it('shows why a login was refused', async () => {
    global.fetch = jest.fn(async () =>
      response(429, { statusCode: 429, message: 'ThrottlerException: Too Many Requests' }),
    ) as typeof fetch;
    render(
      <MemoryRouter>
        <App loadStatus={async () => ({ state: 'ready', down: [] })} />
      </MemoryRouter>,
    );
    fireEvent.change(screen.getByLabelText('User'), { target: { value: 'root' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'x' } });
    await act(async () => {
      fireEvent.submit(screen.getByRole('form', { name: 'Log in' }));
    });
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Too many attempts from here: wait a minute and try again.',
    );
  });
});
