/** The subset of the Fetch API the guard uses; inject your own (tests, proxies, mTLS agents). */
export type FetchLike = (input: string, init?: {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  redirect?: 'error' | 'follow' | 'manual';
}) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

/** Why talking to the authorization server failed (never contains secrets or tokens). */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

export interface JsonResponse {
  status: number;
  body: unknown;
  /** `Cache-Control: max-age` in seconds, when present. */
  maxAge: number | undefined;
}

const MAX_BODY = 1 << 20;

/**
 * One HTTP exchange with the authorization server: bounded time (timeout) and size (1 MiB), redirects
 * refused (a redirect could lead key or introspection traffic elsewhere), JSON parsed. Throws
 * UpstreamError for network errors, timeouts, oversize or non-JSON bodies.
 */
export async function fetchJson(
  fetchImpl: FetchLike,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
  timeoutMs: number,
  /** Aborts the exchange early (e.g. a long poll when its receiver stops). */
  signal?: AbortSignal,
): Promise<JsonResponse> {
  let res: Awaited<ReturnType<FetchLike>>;
  let text: string;
  try {
    res = await fetchImpl(url, {
      ...init,
      headers: { accept: 'application/json', ...init.headers },
      redirect: 'error',
      signal: signal === undefined ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > MAX_BODY) throw new UpstreamError(`${url}: body larger than ${MAX_BODY} bytes`, res.status);
    text = await res.text();
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    throw new UpstreamError(`${url}: ${(error as Error).name === 'TimeoutError' ? 'timed out' : 'request failed'}`);
  }
  if (text.length > MAX_BODY) throw new UpstreamError(`${url}: body larger than ${MAX_BODY} bytes`, res.status);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UpstreamError(`${url}: answered ${res.status} with a body that is not JSON`, res.status);
  }
  return { status: res.status, body, maxAge: parseMaxAge(res.headers.get('cache-control')) };
}

/** `max-age` from a Cache-Control value (RFC 9111 §5.2.2.1); `no-store`/`no-cache` count as 0. */
export function parseMaxAge(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (/(?:^|[\s,])no-(?:store|cache)(?:$|[\s,=])/i.test(value)) return 0;
  const match = /(?:^|[\s,])max-age\s*=\s*"?(\d{1,10})"?/i.exec(value);
  return match ? Number(match[1]) : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
