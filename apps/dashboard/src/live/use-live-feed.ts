import { useSyncExternalStore } from 'react';
import { useSession } from '../auth/session-context';
import type { LiveFeed } from './live-feed';

const never = () => () => undefined;
const zero = () => 0;

/** The live feed, re-rendering the caller whenever it changed (at most once per frame). */
export function useLiveFeed(): LiveFeed | undefined {
  const { feed } = useSession();
  useSyncExternalStore(feed?.subscribe ?? never, feed?.getVersion ?? zero);
  return feed;
}
