import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { registerAccessRoutes } from './api-access.js';
import { registerAppRoutes } from './api-apps.js';
import { registerAudienceRoutes } from './api-audience.js';
import { registerMetricsRoute } from './api-metrics.js';
import { registerPushRoutes } from './api-pushes.js';
import { registerUmsRoutes } from './api-ums.js';
import { registerConsoleAssets } from './assets.js';
import { consoleContext } from './console-context.js';

/** How often ended sessions are deleted. */
const SWEEP_MS = 10 * 60_000;

/**
 * The web console at /console: the page and its bundle, and the admin API under
 * /console/api (session cookie, anti-CSRF header, roles and per-app access, audited).
 */
export function registerConsole(app: FastifyInstance, ctx: ServerContext): { stop(): void } {
  app.decorateRequest('consoleUser', null);
  const cc = consoleContext(ctx);
  registerConsoleAssets(app);
  registerAccessRoutes(app, cc);
  registerAppRoutes(app, cc);
  registerUmsRoutes(app, cc);
  registerPushRoutes(app, cc);
  registerAudienceRoutes(app, cc);
  registerMetricsRoute(app, cc);
  const sweep = setInterval(() => {
    ctx.store.console.deleteExpiredSessions(Date.now()).catch((err: unknown) => ctx.logger.warn({ err }, 'could not delete ended console sessions'));
  }, SWEEP_MS);
  sweep.unref();
  return { stop: () => clearInterval(sweep) };
}
