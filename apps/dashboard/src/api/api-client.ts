/** A refusal of dashboard-api, with its status and the reasons it gave. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reasons: string[] = [],
  ) {
    super(message);
  }
}

export interface ApiClientOptions {
  token: () => string | undefined;
  /** Called on a 401: the session is over (expired, revoked). */
  onUnauthorized: () => void;
  fetcher?: typeof fetch;
}

/** The dashboard's only door to the REST API: JSON in and out, the token attached, errors typed. */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = this.options.token();
    const fetcher = this.options.fetcher ?? fetch;
    let response: Response;
    try {
      response = await fetcher(path, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'dashboard-api is unreachable');
    }
    const payload = (await response.json().catch(() => ({}))) as {
      message?: string;
      errors?: string[];
    };
    if (!response.ok) {
      if (response.status === 401 && token) this.options.onUnauthorized();
      throw new ApiError(
        response.status,
        payload.message ?? `request failed (${response.status})`,
        payload.errors,
      );
    }
    return payload as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }
}
