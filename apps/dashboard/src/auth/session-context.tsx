import {
  createContext,
  ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';
import { ApiClient } from '../api/api-client';
import type { LoginResult } from '@asb/contracts';
import { LiveFeed } from '../live/live-feed';
import { clearSession, loadSession, saveSession, Session } from './session';

export interface SessionContextValue {
  session: Session | undefined;
  api: ApiClient;
  /** Open while logged in. */
  feed: LiveFeed | undefined;
  login(result: LoginResult): void;
  logout(): void;
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

const openFeed = (token: string) => new LiveFeed(token);

export function SessionProvider({
  children,
  createFeed = openFeed,
}: {
  children: ReactNode;
  createFeed?: (token: string) => LiveFeed;
}) {
  const [session, setSession] = useState<Session | undefined>(() => loadSession());
  const [feed, setFeed] = useState<LiveFeed>();

  const logout = useCallback(() => {
    clearSession();
    setSession(undefined);
  }, []);

  const api = useMemo(
    () => new ApiClient({ token: () => loadSession()?.token, onUnauthorized: logout }),
    [logout],
  );

  useEffect(() => {
    if (!session) return;
    const opened = createFeed(session.token);
    setFeed(opened);
    const expiry = setTimeout(logout, Math.max(0, session.expiresAt - Date.now()));
    return () => {
      clearTimeout(expiry);
      opened.close();
      setFeed(undefined);
    };
  }, [session, createFeed, logout]);

  const value = useMemo<SessionContextValue>(
    () => ({ session, api, feed, login: (result) => setSession(saveSession(result)), logout }),
    [session, api, feed, logout],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
