import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { AppDirectory } from './apps/app-directory.js';
import { buildHttpServer } from './api/http/server.js';
import { sqliteFile, type Config } from './config.js';
import type { ServerContext } from './context.js';
import { AcceptService } from './delivery/accept.js';
import { MsgIdGenerator } from './ids/msg-id.js';
import { RateLimiter } from './limits/rate-limiter.js';
import { Metrics } from './observability/metrics.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/types.js';

export function openStore(config: Config): Store {
  return new SqliteStore({ path: sqliteFile(config), synchronous: config.store.synchronous });
}

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { node: config.nodeId } });
}

/** One running Borealis node: its services, its HTTP server, and how to stop them. */
export interface RunningNode {
  ctx: ServerContext;
  http: FastifyInstance;
  /** The base URL the HTTP API listens on. */
  url: string;
  stop(): Promise<void>;
}

export async function startNode(config: Config, logger: Logger = createLogger(config)): Promise<RunningNode> {
  const store = openStore(config);
  const ids = new MsgIdGenerator(config.nodeId, await store.pushes.maxMsgId());
  const ctx: ServerContext = {
    config,
    logger,
    store,
    apps: new AppDirectory(store),
    accept: new AcceptService(store, ids, { broadcastsPerDay: config.limits.broadcastsPerDay }),
    rateLimiter: new RateLimiter(),
    metrics: new Metrics(),
  };
  const http = buildHttpServer(ctx);
  try {
    await http.listen({ host: config.host, port: config.port });
  } catch (err) {
    await store.close();
    throw err;
  }
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    // Stop taking requests, let the ones in flight finish (their pushes commit), then close the store.
    stopping ??= (async () => {
      await http.close();
      await store.close();
    })();
    return stopping;
  };
  return { ctx, http, url, stop };
}
