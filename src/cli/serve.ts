import { createFirstApp } from '../apps/app-directory.js';
import { ensureFirstOperator } from '../console/operators.js';
import { createLogger, limitHeapGrowth, startNode } from '../node.js';
import { configFrom, parse } from './args.js';

export const SERVE_USAGE = `borealis serve [--port P] [--host H] [--data DIR] [--config FILE] [--role all|api|gateway|worker]
  Runs the HTTP API (loopback, port 8080 by default) on the SQLite store in DIR (./data).
  --role splits a cluster's work: api (HTTP APIs only), gateway (device connections too),
  worker (vendor relays, callbacks, schedules, SMS, retention); all (the default) runs everything.`;

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { port: { type: 'string' }, host: { type: 'string' }, role: { type: 'string' } });
  if (values.help) {
    console.log(SERVE_USAGE);
    return 0;
  }
  const config = configFrom(values);
  limitHeapGrowth(config.memory.heapGrowthPercent);
  const logger = createLogger(config);
  const node = await startNode(config, logger);
  logger.info({ url: node.url, data: config.dataDir, tls: config.tls !== null, role: config.role, bus: config.bus.url || 'local' }, 'borealis listening');
  // listening for the signals before the first start's setup, so a stop during it is a clean one
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

  // a fresh store gets its first app from whichever node starts first (one only, on any store)
  const creds = await createFirstApp(node.ctx.store, 'default');
  if (creds) {
    logger.info({ appKey: creds.appKey }, 'created the first app');
    printWelcome(node.url, creds.appKey, creds.masterSecret);
  }
  // likewise the first console operator, printed once like the master secret; in a cluster only
  // by the node that made the first app, so nodes starting together do not each make one
  if (config.console.enabled && (config.bus.url === '' || creds)) {
    const operator = await ensureFirstOperator(node.ctx.store.console);
    if (operator) printConsoleLogin(node.url, operator.name, operator.password);
  }

  await stopped;
  await node.stop();
  logger.info('stopped');
  return 0;
}

function printWelcome(url: string, appKey: string, masterSecret: string): void {
  const insecure = url.startsWith('https') ? '-k ' : '';
  process.stdout.write(`
  Borealis created your first app. Keep the master secret: it is shown only once.

    appKey:       ${appKey}
    masterSecret: ${masterSecret}

  In another terminal, start a simulated device that prints what it receives:

    ./borealis device --app-key ${appKey} --server ${url} --tags news

  then send it a push from a third terminal, with the CLI:

    export BOREALIS_SERVER=${url} BOREALIS_APP_KEY=${appKey} BOREALIS_MASTER_SECRET=${masterSecret}
    ./borealis push --alert Hello --tag news

  or with curl, as with JPush:

    curl ${insecure}-u ${appKey}:${masterSecret} -H 'Content-Type: application/json' \\
      -d '{"platform":"all","audience":{"tag":["news"]},"notification":{"alert":"Hello from Borealis"}}' \\
      ${url}/v3/push

`);
}

function printConsoleLogin(url: string, name: string, password: string): void {
  process.stdout.write(`  The web console is at ${url}/console; sign in with (shown only once):

    name:     ${name}
    password: ${password}

  (more operators: ./borealis admin create --name NAME --role viewer|operator|admin)

`);
}
