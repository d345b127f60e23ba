import { useEffect, useState } from 'react';
import { useSession } from '../auth/session-context';
import type { ApiError } from './api-client';

/** How a listing is read: the path of a page, and its items and next-page token (null: no more). */
export interface PagedListing<P, T> {
  path(filters: URLSearchParams, next?: string): string;
  read(page: P): { items: T[]; next: string | null };
}

/**
 * A listing the API pages through (history, audit log): the first page for the current filters
 * (`key`, the query string), read again when they change, and `more` for the next page.
 * `listing` is a module-level constant, so only the filters decide when to read.
 */
export function usePagedList<P, T>(key: string, listing: PagedListing<P, T>) {
  const { api } = useSession();
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    let current = true;
    setLoading(true);
    api.get<P>(listing.path(new URLSearchParams(key))).then(
      (page) => {
        if (!current) return;
        const first = listing.read(page);
        setItems(first.items);
        setNext(first.next);
        setError(undefined);
        setLoading(false);
      },
      (failure: ApiError) => {
        if (!current) return;
        setItems([]);
        setNext(null);
        setError(failure);
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [api, key, listing]);

  async function more() {
    if (!next) return;
    const page = listing.read(await api.get<P>(listing.path(new URLSearchParams(key), next)));
    setItems((previous) => [...previous, ...page.items]);
    setNext(page.next);
  }

  return { items, hasMore: next !== null, more, error, loading };
}

/** The filters a form holds, as a query: each named field that is not blank. */
export function filtersOf(form: HTMLFormElement, names: readonly string[]): URLSearchParams {
  const data = new FormData(form);
  const filters = new URLSearchParams();
  for (const name of names) {
    const value = String(data.get(name) ?? '').trim();
    if (value) filters.set(name, value);
  }
  return filters;
}
