/** The optional external forecast model (§4.10.4), from the environment. */
export interface ExternalModelConfig {
  endpoint: string;
  timeoutMs: number;
  token: string | null;
}

/** GLUCOSE_ML_ENDPOINT (off when unset), GLUCOSE_ML_TIMEOUT_MS (200..5000, default 800), GLUCOSE_ML_TOKEN. */
export function externalModelConfig(env: NodeJS.ProcessEnv = process.env): ExternalModelConfig | null {
  const endpoint = env.GLUCOSE_ML_ENDPOINT?.trim();
  if (!endpoint) return null;
  if (!/^https?:\/\//.test(endpoint)) throw new Error(`GLUCOSE_ML_ENDPOINT=${JSON.stringify(endpoint)}: must be an http(s) URL.`);
  const rawTimeout = env.GLUCOSE_ML_TIMEOUT_MS;
  const timeoutMs = rawTimeout === undefined || rawTimeout === '' ? 800 : Number(rawTimeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 200 || timeoutMs > 5000) {
    throw new Error(`GLUCOSE_ML_TIMEOUT_MS=${JSON.stringify(rawTimeout)}: must be a whole number of milliseconds from 200 to 5000.`);
  }
  return { endpoint: endpoint.replace(/\/+$/, ''), timeoutMs, token: env.GLUCOSE_ML_TOKEN || null };
}
