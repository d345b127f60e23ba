import type { LoginResult, SessionUser } from '@asb/contracts';

const STORAGE_KEY = 'asb.session';

export interface Session {
  token: string;
  user: SessionUser;
  expiresAt: number;
}

/** Per browser tab (sessionStorage): a reload keeps the login, closing the tab ends it. */
export function loadSession(
  storage: Storage = sessionStorage,
  now = Date.now(),
): Session | undefined {
  try {
    const session = JSON.parse(storage.getItem(STORAGE_KEY) ?? 'null') as Session | null;
    return session && session.expiresAt > now ? session : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(
  result: LoginResult,
  storage: Storage = sessionStorage,
  now = Date.now(),
): Session {
  const session: Session = {
    token: result.accessToken,
    user: result.user,
    expiresAt: now + result.expiresIn * 1000,
  };
  storage.setItem(STORAGE_KEY, JSON.stringify(session));
  return session;
}

export function clearSession(storage: Storage = sessionStorage): void {
  storage.removeItem(STORAGE_KEY);
}
