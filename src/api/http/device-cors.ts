import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * CORS for the device-facing endpoints (everything under `/v1/`: registration, the VAPID key),
 * so the SDK works from a web page on any allowed origin. Register it inside the encapsulated
 * context that holds those routes: its hook then never runs for the server-side APIs (`/v3/`,
 * authenticated by master secret, not meant for browsers).
 *
 * No cookies or other ambient credentials are involved (a device proves itself with the secret
 * in the request), so `Access-Control-Allow-Credentials` is never sent and `*` is a safe default.
 */

const DEVICE_PREFIX = '/v1/';
/** How long a browser may cache a preflight answer, seconds (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE = 600;

export interface DeviceCorsOptions {
  /** `*` or exact origins; an empty list means no CORS. */
  origins: readonly string[];
}

export async function deviceCors(app: FastifyInstance, opts: DeviceCorsOptions): Promise<void> {
  if (opts.origins.length === 0) return;
  const origin: string | string[] = opts.origins.includes('*') ? '*' : opts.origins.map((o) => o.toLowerCase());
  const enabled = { origin, methods: ['GET', 'POST'], allowedHeaders: ['content-type'], maxAge: PREFLIGHT_MAX_AGE, strictPreflight: false };
  const disabled = { origin: false as const };
  await app.register(cors, {
    // the plugin's preflight route matches any path: answer it only for device-facing ones
    delegator: (request, callback) => callback(null, request.url.startsWith(DEVICE_PREFIX) ? enabled : disabled),
  });
}
