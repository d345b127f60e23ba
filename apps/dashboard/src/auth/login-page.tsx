import { FormEvent, useState } from 'react';
import { ApiError } from '../api/api-client';
import type { LoginResult } from '@asb/contracts';
import { useSession } from './session-context';

function explain(error: unknown): string {
  if (!(error instanceof ApiError)) return 'login failed';
  if (error.status === 429) return 'Too many attempts from here: wait a minute and try again.';
  if (error.status === 0) return 'dashboard-api is unreachable.';
  return error.message;
}

export function LoginPage() {
  const { api, login } = useSession();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    try {
      login(
        await api.post<LoginResult>('/api/v1/auth/login', {
          username: String(form.get('username') ?? ''),
          password: String(form.get('password') ?? ''),
        }),
      );
    } catch (failure) {
      setError(explain(failure));
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <form onSubmit={(event) => void submit(event)} aria-label="Log in">
        <h1>Audio Streaming Bridge</h1>
        <label>
          User
          <input name="username" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button" disabled={busy}>
          Log in
        </button>
      </form>
    </main>
  );
}
