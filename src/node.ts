import type { FastifyInstance } from 'fastify';
import { setFlagsFromString } from 'node:v8';
import { pino, type Logger } from 'pino';
import { AppDirectory } from './apps/app-directory.js';
import { buildHttpServer } from './api/http/server.js';
import { sqliteFile, type Config } from './config.js';
import type { ServerContext } from './context.js';
import { AudienceIndex } from './audience/audience-index.js';
import { IndexPersistence } from './audience/index-persistence.js';
import { AudienceDefinitions } from './audience/segments.js';
import { AcceptService } from './delivery/accept.js';
import { DeliveryService } from './delivery/delivery-service.js';
import { Pacer } from './delivery/pacing.js';
import { ActivityRecorder } from './devices/activity.js';
import { SmsSupplement } from './channels/sms/sms-supplement.js';
import { Planner } from './delivery/planner.js';
import { DeviceRegistry } from './devices/registry.js';
import { Gateway } from './gateway/gateway.js';
import { MsgIdGenerator } from './ids/msg-id.js';
import { RateLimiter } from './limits/rate-limiter.js';
import { Metrics } from './observability/metrics.js';
import { CallbackSender } from './receipts/callback-sender.js';
import { CallbackSink, callbackUrlCheck } from './receipts/callbacks.js';
import { openStoreFrom } from './store/open-store.js';
import { ChannelCredentialService } from './channels/credentials.js';
import { closeChannels, createChannelRegistry } from './channels/registry.js';
import { mayRelay } from './channels/router.js';
import { loadSealingKey } from './channels/sealing.js';
import { RelayWorker } from './relay/relay-worker.js';
import { sliceRanges } from './relay/slices.js';
import { VendorAnswers } from './relay/vendor-answers.js';
import { QuotaLedger } from './relay/quota-ledger.js';
import { VendorReceiptService } from './relay/vendor-receipts.js';
import type { Channel } from './channels/types.js';
import { RetentionSweeper } from './store/retention.js';
import { FileAudience } from './files/file-audience.js';
import { FileJanitor } from './files/file-janitor.js';
import { ScheduleService } from './schedules/schedule-service.js';
import { Scheduler } from './schedules/scheduler.js';
import type { Store } from './store/types.js';
import { ApiError } from './domain/errors.js';
import { createUms } from './ums/runtime.js';
import { parseJPushPush } from './api/jpush/validate-push.js';
import type { Bus } from './bus/types.js';
import { openBus } from './bus/open-bus.js';
import { ClusterPresence } from './bus/cluster-presence.js';
import { SharedCounters } from './bus/shared-counters.js';
import { BusBridge } from './cluster/bus-bridge.js';
import type { GatewayHooks } from './gateway/types.js';
import { isUnavailable } from './store/store-errors.js';
import { registerConsole } from './console/index.js';

/**
 * The configured store: PostgreSQL when `store.url` is set, else the SQLite file in the data
 * directory. `server`: the long-running owner of a SQLite file, which may convert it to
 * incremental auto-vacuum.
 */
export function openStore(config: Config, { server = false } = {}): Store {
  const { url, poolSize, synchronous } = config.store;
  return openStoreFrom({ url, poolSize, synchronous, sqlitePath: sqliteFile(config), convertVacuum: server, backgroundCheckpoints: server });
}

export function openCredentials(config: Config, store: Store): ChannelCredentialService {
  return new ChannelCredentialService(store.channelCredentials, loadSealingKey(config.channels.credentialsKey, config.dataDir));
}

/**
 * Caps how far V8 lets the heap grow between full collections (process-wide: for the server
 * entry point, not embedders). Under a steady push rate V8 lets old space reach up to 4x what
 * survived, and native memory of dead objects (bitmaps, buffers) waits for the same collection.
 */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
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
  /** Deletes old rows on a timer; `run()` sweeps now. */
  retention: RetentionSweeper;
  /** Which node holds which device, cluster-wide. */
  presence: ClusterPresence;
  bus: Bus;
  stop(): Promise<void>;
}

/** What a node is started with besides its configuration. */
export interface NodeOptions {
  /** Further vendor channels (or replacements, by id) besides the built-in ones: embedders and tests. */
  channels?: readonly Channel[];
  /** A bus to use instead of the one `bus.url` names (tests start several nodes in one process). */
  bus?: Bus;
}

export async function startNode(config: Config, logger: Logger = createLogger(config), options: NodeOptions = {}): Promise<RunningNode> {
  const bus = options.bus ?? (await openBus(config.bus, config.nodeId, logger));
  // several nodes on one store: counts and receipts of the others matter
  const shared = options.bus !== undefined || config.bus.url !== '';
  const runsGateway = config.role === 'all' || config.role === 'gateway';
  const runsWorkers = config.role === 'all' || config.role === 'worker';
  const store = openStore(config, { server: true });
  const ids = new MsgIdGenerator(config.nodeId, await store.pushes.maxMsgId());
  const indexSnapshots = new IndexPersistence(store.devices, store.audienceSnapshots, logger);
  const index = await AudienceIndex.load(store.devices, indexSnapshots);
  const registry = new DeviceRegistry(store, index, { devicesPerAlias: config.limits.devicesPerAlias });
  const credentials = openCredentials(config, store);
  await credentials.refresh();
  credentials.start();
  const definitions = new AudienceDefinitions(store.segments, index);
  const files = new FileAudience(store);
  const channels = createChannelRegistry(config.channels);
  for (const c of options.channels ?? []) channels.set(c.id, c);
  const accept = new AcceptService(
    store,
    ids,
    new Planner(index, files, definitions, store.liveActivities),
    {
      broadcastsPerDay: config.limits.broadcastsPerDay,
      inboxTargets: config.delivery.narrowTargets,
      pacingMinuteMs: config.delivery.pacingMinuteMs,
      sharedStore: shared,
    },
    {
      callbackCheck: callbackUrlCheck(store),
      platformCheck: (appKey, push) => {
        // JPush 1036: "HarmonyOS not enabled, and only HarmonyOS specified". Enabled here means
        // the app has HarmonyOS credentials, on a node that relays to HarmonyOS at all.
        if (push.source === 'jpush' && push.platforms.length === 1 && push.platforms[0] === 'hmos' && channels.has('hmos') && !credentials.channelsOf(appKey).has('hmos')) {
          throw new ApiError(1036, 'the HarmonyOS platform is not enabled for this app (no HarmonyOS credentials); push to other platforms too or set them up');
        }
      },
      relaySlices: (push, targets) =>
        mayRelay(push) && credentials.channelsOf(push.appKey).size > 0 ? sliceRanges(targets.bitmap, config.channels.relay.sliceDevices) : undefined,
    },
  );
  const delivery = new DeliveryService(store, registry, logger, {
    narrowTargets: config.delivery.narrowTargets,
    residentMs: config.delivery.residentSeconds * 1000,
    backlogWindowBytes: Math.min(128 * 1024, Math.floor(config.gateway.maxBufferedBytes / 4)),
    mergeStoredReceipts: shared,
  });
  const activity = new ActivityRecorder(store.activity, logger);
  delivery.onSeen((appKey, num) => activity.seen(appKey, num));
  const callbacks = new CallbackSink(store, logger, { batchEvents: config.callbacks.batchEvents });
  // before delivery's listener: the sink knows the push before its first receipt can arrive
  accept.onAccepted((push) => callbacks.accepted(push));
  // a push with nothing for the own connection (a Live Activity) is only relayed
  accept.onAccepted((push, targets, how) => how.deliverable && delivery.accepted(push, targets, how));
  const pacer = new Pacer(store.pacing, delivery, logger, { minuteMs: config.delivery.pacingMinuteMs, tickMs: 200 });
  // after delivery's: the push is held before its first slice is released
  accept.onAccepted((push, targets, how) => how.deliverable && pacer.accepted(push, targets));
  const presence = new ClusterPresence(bus, config.role);
  const counters = new SharedCounters(bus);
  const bridge = new BusBridge(bus, { store, delivery, index, registry, logger });
  bridge.start();
  // devices registered elsewhere between loading the index and hearing the bus
  if (shared) await index.catchUp(store.devices);
  // last: every other node hears of a push once this node has taken it
  accept.onAccepted((push, _targets, how) => bridge.accepted(push, how));
  // the gateway's hooks: delivery, and presence for the cluster
  const hooks: GatewayHooks = {
    online: (session) => {
      presence.connected(session);
      delivery.online(session);
    },
    offline: (session) => {
      presence.disconnected(session);
      delivery.offline(session);
    },
    ack: (session, msgIds) => delivery.ack(session, msgIds),
    click: (session, msgId) => delivery.click(session, msgId),
    update: (session, update) => delivery.update(session, update),
  };
  let nodeIdConflict = false;
  bus.subscribe(({ node }) => {
    if (node !== config.nodeId || nodeIdConflict) return;
    nodeIdConflict = true;
    logger.error({ nodeId: node }, 'another node uses this node id: msg_ids could collide; give each node its own nodeId');
  });
  const gateway = new Gateway(registry, hooks, logger, config.gateway);
  const metrics = new Metrics({ node: String(config.nodeId), role: config.role });
  const quotas = new QuotaLedger(store.vendors, config.channels.quotas, logger);
  await quotas.load();
  const relay = new RelayWorker(
    store,
    channels,
    credentials,
    (appKey, num) => presence.isConnected(appKey, num),
    config.channels.relay,
    logger,
    quotas,
    `node${config.nodeId}`,
  );
  // only a push that queued relay work gives the worker something to claim
  accept.onAccepted((_push, _targets, how) => how.relayed && relay.kick());
  const vendorAnswers = new VendorAnswers();
  relay.onResult((push, device, channel, result, disposition) => {
    vendorAnswers.record(push.msgId, device.num, channel, result, disposition);
    metrics.relayResult(channel, disposition);
    // a retry is not final; a device over the vendor's quota is left to the own connection
    if (disposition === 'retry' || disposition === 'fallback') return;
    callbacks.record({
      msgId: push.msgId,
      appKey: push.appKey,
      registrationId: device.registrationId,
      platform: device.platform,
      channel,
      status: disposition === 'sent' ? 'sent' : 'not_delivered',
      time: Date.now(),
    });
  });
  const sc = config.schedules;
  const scheduler = new Scheduler(store, accept, logger, {
    utcOffsetMinutes: sc.utcOffsetMinutes,
    pollMs: sc.pollMs,
    catchUpMs: sc.catchUpSeconds * 1000,
    claimBatch: 500,
    node: `node${config.nodeId}`,
  });
  const apps = new AppDirectory(store);
  const ums = createUms({
    config,
    logger,
    store: store.ums,
    sealingKey: loadSealingKey(config.channels.credentialsKey, config.dataDir),
    appExists: async (appKey) => (await apps.get(appKey)) !== undefined,
    newMsgId: () => accept.reserveMsgId(),
    // an app step is a push of the channel's app to the users' registration ids, through the push API's validator
    sendAppPush: async (appKey, msgApp, registrationIds) => {
      const app = await apps.get(appKey);
      if (!app) throw new Error(`app ${appKey} no longer exists`);
      const push = parseJPushPush({ ...msgApp, audience: { registration_id: registrationIds } }, appKey);
      const result = await accept.accept(app, push);
      metrics.pushesAccepted.inc({ source: 'ums' });
      return result.msgId;
    },
  });
  const ctx: ServerContext = {
    config,
    logger,
    store,
    apps,
    accept,
    rateLimiter: new RateLimiter(Date.now, counters),
    metrics,
    index,
    definitions,
    registry,
    delivery,
    pacer,
    gateway,
    credentials,
    relay,
    vendorAnswers,
    channels,
    quotas,
    vendorReceipts: new VendorReceiptService(store, channels, credentials, delivery, logger),
    schedules: new ScheduleService(store, { utcOffsetMinutes: sc.utcOffsetMinutes, maxPerApp: sc.maxPerApp }),
    scheduler,
    files,
    ums,
    node: {
      id: config.nodeId,
      role: config.role,
      notReady: async () => {
        if (stopping) return 'stopping';
        if (!started) return 'starting';
        if (nodeIdConflict) return 'another node has the same node id';
        if (!bus.connected) return 'bus unreachable';
        try {
          await store.ping();
        } catch {
          return 'store unreachable';
        }
        return undefined;
      },
    },
  };
  metrics.watch({
    connectedDevices: () => gateway.connectionCount,
    livePushes: () => delivery.liveCount(),
    storeStats: () => store.stats(),
  });
  let started = false;
  let stopping: Promise<void> | undefined;
  const http = buildHttpServer(ctx);
  const consoleUi = config.console.enabled ? registerConsole(http, ctx) : undefined;
  if (runsGateway) gateway.attach(http.server);
  await delivery.start(gateway, ums.receipts.tee(callbacks));
  await pacer.start();
  activity.start();
  presence.start();
  counters.start();
  if (runsWorkers) indexSnapshots.start();
  const sms = new SmsSupplement(store, delivery, callbacks, logger, config.sms);
  if (runsWorkers) sms.start();
  try {
    await http.listen({ host: config.host, port: config.port, backlog: config.listenBacklog });
  } catch (err) {
    await gateway.close();
    await sms.stop();
    await pacer.stop();
    await delivery.stop();
    await activity.stop();
    await indexSnapshots.stop();
    presence.stop();
    counters.stop();
    await bus.close();
    await store.close();
    throw err;
  }
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;
  const sender = new CallbackSender(store, logger, config.callbacks, metrics.registry);
  if (runsWorkers) {
    sender.start();
    relay.start();
  }
  const r = config.retention;
  const retention = new RetentionSweeper(
    store,
    { pushMs: r.pushSeconds * 1000, cidMs: r.cidSeconds * 1000, callbackMs: r.callbackSeconds * 1000, intervalMs: r.intervalSeconds * 1000, batchRows: r.batchRows },
    logger,
  );
  if (runsWorkers) retention.start();
  const space = await store.retention.space();
  if (!space.reclaimable) {
    logger.warn({ bytes: space.bytes }, 'the database file does not give freed space back (no incremental auto-vacuum); see docs/deployment.md');
  }
  const janitor = new FileJanitor(store, logger);
  if (runsWorkers) {
    janitor.start();
    await scheduler.start();
    // a store without the UMS tables (PostgreSQL, for now): its API answers 501, nothing to poll
    if (!isUnavailable(store.ums)) ums.start();
  }
  started = true;

  const stop = () => {
    // Close device connections (1001: reconnect elsewhere), stop taking requests, let the ones
    // in flight finish (their pushes commit), save acknowledgements, then close the store.
    stopping ??= (async () => {
      consoleUi?.stop();
      await scheduler.stop();
      await ums.stop();
      await janitor.stop();
      await gateway.close();
      await http.close();
      await sms.stop();
      await pacer.stop();
      await delivery.stop();
      await relay.stop();
      credentials.stop();
      await closeChannels(channels);
      await activity.stop();
      await sender.stop();
      await retention.stop();
      await indexSnapshots.stop();
      presence.stop();
      counters.stop();
      await bus.close();
      await store.close();
    })();
    return stopping;
  };
  return { ctx, http, url, retention, presence, bus, stop };
}
