import { randomBytes } from 'node:crypto';
import { BorealisClient, BorealisError, type ClientState, type Platform, type VendorTokens } from '../../sdk/src/node.js';
import { UsageError, parse, stringFlag } from './args.js';
import { DeviceStateFile } from './device-state.js';
import { isNetworkError, unreachableMessage } from './reach.js';

export const DEVICE_USAGE = `borealis device --app-key KEY [--server URL] [--platform P] [--tags a,b] [--alias A]
                [--count N] [--state FILE] [--apns-token HEX] [--apns-voip-token HEX] [--fcm-token T]
                [--vendor huawei|honor|xiaomi|oppo|vivo|meizu|hmos] [--master-secret S]
  Simulates N devices (1 by default) of platform P (android) against the server at URL
  (BOREALIS_SERVER, else http://127.0.0.1:8080; KEY may also come from BOREALIS_APP_KEY):
  registers them, or reuses those saved in FILE, sets their tags and
  alias, connects them and prints one JSON line per delivery on stdout, status on stderr.
  Runs until interrupted. FILE is rewritten whenever a device's state changes, so a restart,
  even after a crash, brings back the same devices.
  Vendor tokens (one device only) are registered with it, so pushes to it also go through APNs
  or FCM when the app has credentials. --vendor simulates a phone of that maker: it registers a
  token <vendor>-token-<random> for the vendor's channel (HarmonyOS: --platform hmos). With the
  app's master secret (--master-secret or BOREALIS_MASTER_SECRET) each push is followed by a
  "route" line: the channels the push took to this device and the vendors' answers.`;

const VENDORS = ['huawei', 'honor', 'xiaomi', 'oppo', 'vivo', 'meizu', 'hmos'] as const;
/** How long after a push arrives its route is read: the relay of the same push may lag the own connection. */
const ROUTE_DELAY_MS = 1500;

const PLATFORMS: readonly Platform[] = ['android', 'ios', 'hmos', 'quickapp', 'web'];
const MAX_COUNT = 100_000;
/** Devices set up at once: enough to be quick, few enough not to trip the registration limit. */
const SETUP_CONCURRENCY = 16;
const REGISTER_ATTEMPTS = 8;

interface Settings {
  server: string;
  appKey: string;
  platform: Platform;
  tags: string[];
  alias: string | undefined;
  tokens: VendorTokens | undefined;
  /** The app's master secret, to read each push's route; absent: no route lines. */
  masterSecret: string | undefined;
}

export async function deviceCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    'app-key': { type: 'string' },
    server: { type: 'string' },
    platform: { type: 'string' },
    tags: { type: 'string' },
    alias: { type: 'string' },
    count: { type: 'string' },
    state: { type: 'string' },
    'apns-token': { type: 'string' },
    'apns-voip-token': { type: 'string' },
    'fcm-token': { type: 'string' },
    vendor: { type: 'string' },
    'master-secret': { type: 'string' },
  });
  if (values.help) {
    console.log(DEVICE_USAGE);
    return 0;
  }
  const settings = settingsFrom(values);
  const count = countFrom(stringFlag(values, 'count'));
  if (settings.tokens && count > 1) throw new UsageError('vendor tokens belong to one device: use them without --count');
  if (settings.tokens?.apns || settings.tokens?.apns_voip) {
    status('APNs token registered: notifications for iOS also go to APNs when the app has APNs credentials (borealis app channel APP_KEY apns ...)');
  }
  if (settings.tokens?.fcm) status('FCM token registered: Android notifications also go to FCM per options.third_party_channel.fcm.distribution');
  for (const v of VENDORS) {
    const token = settings.tokens?.[v];
    if (token) {
      status(`${v} token ${token} registered: pushes also go through ${v} when the app has its credentials, per options.third_party_channel.${v}.distribution (docs/channels.md)`);
    }
  }
  if (settings.tokens && !settings.masterSecret) status('pass --master-secret (or BOREALIS_MASTER_SECRET) to see the route each push took');
  const statePath = stringFlag(values, 'state');
  const stateFile = statePath ? DeviceStateFile.load(statePath) : undefined;

  const signal = untilSignal();
  const clients: BorealisClient[] = [];
  for (let i = 0; i < count; i++) clients.push(newClient(settings, i, stateFile, stateFile?.saved(i)));

  let failure: unknown;
  // set-up stops at the first failure or signal; steps in flight fail when the clients close
  const halted = () => failure !== undefined || signal.stopped();
  const setup = forEachLimited(clients.length, SETUP_CONCURRENCY, async (i) => {
    clients[i] = await setUp(clients[i]!, i, settings, stateFile, halted);
  }).catch((err: unknown) => {
    failure ??= err;
  });
  await Promise.race([setup, signal.promise]);
  if (!failure && !signal.stopped()) status(`${count} device(s) connected; Ctrl-C to stop`);
  if (!failure) await signal.promise;
  signal.dispose();

  await Promise.all(clients.map((c) => c.close()));
  stateFile?.flush();
  if (failure) {
    status(`failed: ${failureMessage(failure, settings.server)}`);
    return 1;
  }
  return 0;
}

function settingsFrom(values: Record<string, string | boolean | undefined>): Settings {
  const appKey = stringFlag(values, 'app-key') ?? process.env.BOREALIS_APP_KEY;
  if (!appKey) throw new UsageError(`device needs --app-key KEY (or BOREALIS_APP_KEY)\n${DEVICE_USAGE}`);
  const server = stringFlag(values, 'server') ?? process.env.BOREALIS_SERVER ?? 'http://127.0.0.1:8080';
  if (!/^https?:\/\/[^/]/.test(server)) throw new UsageError('--server takes an http:// or https:// URL');
  const platform = (stringFlag(values, 'platform') ?? 'android') as Platform;
  if (!PLATFORMS.includes(platform)) throw new UsageError(`--platform takes one of ${PLATFORMS.join(', ')}`);
  const tags = (stringFlag(values, 'tags') ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  const tokens: VendorTokens = {};
  const apns = stringFlag(values, 'apns-token');
  const voip = stringFlag(values, 'apns-voip-token');
  const fcm = stringFlag(values, 'fcm-token');
  if ((apns || voip) && platform !== 'ios') throw new UsageError('APNs tokens go with --platform ios');
  if (fcm && platform !== 'android') throw new UsageError('--fcm-token goes with --platform android');
  if (apns) tokens.apns = apns;
  if (voip) tokens.apns_voip = voip;
  if (fcm) tokens.fcm = fcm;
  const vendor = stringFlag(values, 'vendor');
  let chosen = platform;
  if (vendor !== undefined) {
    if (!(VENDORS as readonly string[]).includes(vendor)) throw new UsageError(`--vendor takes one of ${VENDORS.join(', ')}`);
    const wanted: Platform = vendor === 'hmos' ? 'hmos' : 'android';
    if (stringFlag(values, 'platform') !== undefined && platform !== wanted) throw new UsageError(`--vendor ${vendor} goes with --platform ${wanted}`);
    chosen = wanted;
    tokens[vendor as (typeof VENDORS)[number]] = `${vendor}-token-${randomBytes(12).toString('hex')}`;
  }
  const hasTokens = Object.keys(tokens).length > 0;
  const masterSecret = stringFlag(values, 'master-secret') ?? process.env.BOREALIS_MASTER_SECRET;
  return { server, appKey, platform: chosen, tags, alias: stringFlag(values, 'alias'), tokens: hasTokens ? tokens : undefined, masterSecret: masterSecret || undefined };
}

function countFrom(raw: string | undefined): number {
  if (raw === undefined) return 1;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || n < 1 || n > MAX_COUNT) throw new UsageError(`--count takes a number from 1 to ${MAX_COUNT}`);
  return n;
}

function newClient(settings: Settings, index: number, stateFile: DeviceStateFile | undefined, state: ClientState | undefined): BorealisClient {
  const client = new BorealisClient({
    server: settings.server,
    appKey: settings.appKey,
    platform: settings.platform,
    state,
    tokens: settings.tokens,
    onStateChange: stateFile && ((next) => stateFile.update(index, next)),
  });
  const id = () => client.registrationId ?? '?';
  client.on('push', (push) => {
    line({
      registration_id: id(),
      msg_id: push.msgId,
      notification: push.notification ?? null,
      message: push.message ?? null,
      override_msg_id: push.overrideMsgId ?? null,
    });
    if (settings.masterSecret && settings.tokens) void printRoute(settings, id(), push.msgId);
  });
  client.on('withdraw', (msgId) => line({ registration_id: id(), withdraw: msgId }));
  client.on('connected', () => status(`${id()} connected`));
  client.on('disconnected', ({ code, reason, reconnectInMs }) => {
    const next = reconnectInMs === null ? '' : `, reconnecting in ${reconnectInMs} ms`;
    // 1006: no connection at all (refused, reset): say where it was trying to go
    const where = code === 1006 ? ` from ${settings.server}; is the server running there? check --server` : '';
    status(`${id()} disconnected (${code}${reason ? ` ${reason}` : ''})${where}${next}`);
  });
  client.on('error', (err) => status(`${id()} error: ${err.message}`));
  return client;
}

/**
 * Registers (when the device has no saved credentials), connects, sets tags and alias.
 * A saved device the server no longer knows is registered afresh; returns the client in use.
 */
async function setUp(client: BorealisClient, index: number, settings: Settings, stateFile: DeviceStateFile | undefined, stopped: () => boolean): Promise<BorealisClient> {
  if (stopped()) return client;
  if (client.registrationId === null) await register(client, stopped);
  if (stopped()) return client;
  try {
    await client.connect();
  } catch (err) {
    if (stopped() || !(err instanceof BorealisError && err.code === 4001)) throw err;
    status(`${client.registrationId} is not known to the server: registering a new device`);
    client = newClient(settings, index, stateFile, { registrationId: null, deviceSecret: null, seen: client.state.seen });
    await register(client, stopped);
    await client.connect();
  }
  if (settings.tags.length > 0 && !stopped()) await client.setTags({ add: settings.tags });
  if (settings.alias !== undefined && !stopped()) await client.setAlias(settings.alias);
  return client;
}

/** Registration, waiting and retrying while the app's registration rate limit (2002) says so. */
async function register(client: BorealisClient, stopped: () => boolean): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const id = await client.register();
      status(`${id} registered`);
      return;
    } catch (err) {
      if (!(err instanceof BorealisError && err.code === 2002) || attempt >= REGISTER_ATTEMPTS || stopped()) throw err;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}

/** Runs task(0..n-1), at most `limit` at a time; rejects with the first failure. */
async function forEachLimited(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    try {
      while (next < n && !failed) await task(next++);
    } catch (err) {
      failed = true;
      throw err;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

function untilSignal(): { promise: Promise<void>; stopped: () => boolean; dispose: () => void } {
  let stopped = false;
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  const onSignal = () => {
    stopped = true;
    status('stopping');
    dispose();
    resolve();
  };
  // after the first signal the handlers are gone: a second Ctrl-C ends the process at once
  const dispose = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { promise, stopped: () => stopped, dispose };
}

/** Network failures name the URL and what to check; fetch alone says only "fetch failed". */
function failureMessage(failure: unknown, server: string): string {
  if (isNetworkError(failure)) return unreachableMessage(`${server.replace(/\/+$/, '')}/v1/devices/register`, failure);
  return failure instanceof Error ? failure.message : String(failure);
}

/**
 * Prints the route a push took to this device: the server's per-device trace (channels tried,
 * the vendors' answers and the fields they dropped), read with the app's master secret.
 */
async function printRoute(settings: Settings, registrationId: string, msgId: string): Promise<void> {
  await new Promise((r) => setTimeout(r, ROUTE_DELAY_MS));
  const url = `${settings.server.replace(/\/+$/, '')}/v3/status/message/${encodeURIComponent(msgId)}/${encodeURIComponent(registrationId)}`;
  try {
    const res = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${settings.appKey}:${settings.masterSecret}`).toString('base64')}` } });
    const body = (await res.json()) as Record<string, unknown>;
    if (!res.ok) {
      status(`route of ${msgId} unavailable (HTTP ${res.status}): ${JSON.stringify(body)}`);
      return;
    }
    const vendors = (body.vendors as Record<string, string> | undefined) ?? {};
    line({ registration_id: registrationId, msg_id: msgId, route: { own_connection: 'received', ...vendors }, vendor_answers: body.vendor_answers ?? [] });
  } catch (err) {
    status(`route of ${msgId} unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function line(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

function status(text: string): void {
  process.stderr.write(`borealis device: ${text}\n`);
}
