export type BackendState = 'checking' | 'ready' | 'degraded' | 'unreachable';

export interface BackendStatus {
  state: BackendState;
  /** Dependencies reported down by dashboard-api's readiness check. */
  down: string[];
}

/** Reads dashboard-api's readiness endpoint and says what the operator should know. */
export async function fetchBackendStatus(fetcher: typeof fetch = fetch): Promise<BackendStatus> {
  try {
    const response = await fetcher('/health/ready');
    const body = (await response.json()) as { error?: Record<string, unknown> };
    if (response.ok) return { state: 'ready', down: [] };
    return { state: 'degraded', down: Object.keys(body.error ?? {}) };
  } catch {
    return { state: 'unreachable', down: [] };
  }
}
