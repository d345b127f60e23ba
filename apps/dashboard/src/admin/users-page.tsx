import { FormEvent, useCallback, useEffect, useState } from 'react';
import type { UserRole, UserView } from '@asb/contracts';
import { ApiError } from '../api/api-client';
import { useSession } from '../auth/session-context';
import { formatTime } from '../format/format';
import { ApiErrorAlert } from '../api/api-error-alert';

/** Admins only: every user, a form to add one, and per user its role, access and password. */
export function UsersPage() {
  const { api, session } = useSession();
  const [users, setUsers] = useState<UserView[]>([]);
  const [error, setError] = useState<ApiError>();
  const [notice, setNotice] = useState<string>();

  const load = useCallback(
    () => api.get<UserView[]>('/api/v1/users').then(setUsers, setError),
    [api],
  );
  useEffect(() => {
    void load();
  }, [load]);

  async function act(what: () => Promise<unknown>, done: string) {
    setError(undefined);
    setNotice(undefined);
    try {
      await what();
      setNotice(done);
      await load();
    } catch (failure) {
      setError(failure as ApiError);
    }
  }

  function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const username = String(data.get('username') ?? '').trim();
    void act(async () => {
      await api.post('/api/v1/users', {
        username,
        password: String(data.get('password') ?? ''),
        role: String(data.get('role')) as UserRole,
      });
      form.reset();
    }, `${username} can log in now`);
  }

  function update(user: UserView, change: Partial<{ role: UserRole; disabled: boolean }>) {
    void act(
      () => api.patch(`/api/v1/users/${user.id}`, change),
      `${user.username} changed (their sessions end)`,
    );
  }

  function resetPassword(user: UserView) {
    const password = window.prompt(`New password for ${user.username} (12+ characters)`);
    if (!password) return;
    void act(
      () => api.patch(`/api/v1/users/${user.id}`, { password }),
      `${user.username}'s password changed (their sessions end)`,
    );
  }

  return (
    <section className="page">
      <header className="page-header">
        <h2>Users</h2>
      </header>
      <form className="filters" onSubmit={create} aria-label="New user">
        <label>
          User name
          <input name="username" required autoComplete="off" placeholder="a-z 0-9 _ . @ -" />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            required
            minLength={12}
            autoComplete="new-password"
          />
        </label>
        <label>
          Role
          <select name="role" defaultValue="viewer">
            <option value="viewer">viewer (sees everything)</option>
            <option value="admin">admin (also listens, downloads, manages users)</option>
          </select>
        </label>
        <button type="submit" className="button">
          Add user
        </button>
      </form>
      <ApiErrorAlert error={error} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <table className="simple-table" aria-label="Users">
        <thead>
          <tr>
            <th>User</th>
            <th>Role</th>
            <th>Access</th>
            <th>Created</th>
            <th>Last login</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((user) => {
            const self = user.id === session?.user.id;
            return (
              <tr key={user.id} data-username={user.username}>
                <td>{user.username}</td>
                <td>
                  <select
                    aria-label={`Role of ${user.username}`}
                    value={user.role}
                    disabled={self}
                    title={self ? 'You cannot change your own role' : undefined}
                    onChange={(event) => update(user, { role: event.target.value as UserRole })}
                  >
                    <option value="viewer">viewer</option>
                    <option value="admin">admin</option>
                  </select>
                </td>
                <td>
                  <span className={`state state-${user.disabled ? 'ended' : 'answered'}`}>
                    {user.disabled ? 'disabled' : 'active'}
                  </span>
                </td>
                <td>{formatTime(user.createdAt)}</td>
                <td>{formatTime(user.lastLoginAt)}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="button button-secondary"
                    disabled={self}
                    onClick={() => update(user, { disabled: !user.disabled })}
                  >
                    {user.disabled ? 'Enable' : 'Disable'}
                  </button>
                  <button
                    type="button"
                    className="button button-secondary"
                    onClick={() => resetPassword(user)}
                  >
                    Set password
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
