import autocannon from 'autocannon';

export interface HttpRun { requestsPerSecond: number; p50: number; p99: number; errors: number; non2xx: number; durationSeconds: number; connections: number }

/** Drives one HTTP request shape with autocannon and returns the figures we record. */
export async function hammer(options: {
  url: string; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string;
  connections?: number; duration?: number; pipelining?: number; overallRate?: number;
}): Promise<HttpRun> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    connections: options.connections ?? 50,
    duration: options.duration ?? 15,
    pipelining: options.pipelining ?? 1,
    overallRate: options.overallRate,
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    durationSeconds: result.duration,
    connections: result.connections,
  };
}
