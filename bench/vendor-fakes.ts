import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CnVendorFake } from '../test/fakes/cn-vendor-base.js';
import { FakeFcm } from '../test/fakes/fcm-server.js';
import { FakeHmos } from '../test/fakes/hmos-server.js';
import { FakeHonor } from '../test/fakes/honor-server.js';
import { FakeHms } from '../test/fakes/huawei-server.js';
import { FakeMeizu } from '../test/fakes/meizu-server.js';
import { FakeOppo } from '../test/fakes/oppo-server.js';
import { FakeVivo } from '../test/fakes/vivo-server.js';
import { FakeXiaomi } from '../test/fakes/xiaomi-server.js';
import { CLI } from './lib.js';

/**
 * The vendor fakes the vendor broadcast benchmark relays to: one entry per vendor channel whose
 * fake exists. A vendor's entry says how to start its fake, which configuration points the
 * server at it, how to give the app credentials, and how many notifications and requests the
 * fake has taken. Add a vendor by adding its entry to BENCH_VENDORS.
 */
export interface RunningVendorFake {
  /** Configuration merged into the server's `channels` block. */
  channels: Record<string, unknown>;
  /** Stores the app's credentials for the channel (runs before the server starts). */
  setCredentials(dir: string, configFile: string, appKey: string): void;
  /** Notifications the fake accepted so far. */
  notifications(): number;
  /** HTTP requests it answered for sends (not token requests). */
  requests(): number;
  stop(): Promise<void>;
}

export interface BenchVendor {
  /** The channel id, which is also the device token key. */
  channel: string;
  platform: 'android' | 'hmos';
  /** Tokens per request the vendor takes at most (documentation for the figures). */
  batch: number;
  start(dir: string): Promise<RunningVendorFake>;
}

function appChannel(dir: string, configFile: string, args: string[]): void {
  const r = spawnSync(process.execPath, [CLI, 'app', 'channel', ...args, '--data', dir, '--config', configFile], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

const fcm: BenchVendor = {
  channel: 'fcm',
  platform: 'android',
  batch: 1, // FCM HTTP v1 takes one token per request
  async start(dir) {
    const fake = await FakeFcm.start();
    const account = fake.createServiceAccount('bench');
    let taken = 0;
    // the fake records every send; count and forget them so 100,000 bodies do not pile up
    const drain = () => {
      taken += fake.sends.filter((s) => s.status === 200).length;
      fake.sends.length = 0;
    };
    return {
      channels: { fcm: { endpoint: fake.url, tokenEndpoint: '', timeoutMs: 10_000 } },
      setCredentials(dataDir, configFile, appKey) {
        const file = join(dir, 'fcm-service-account.json');
        writeFileSync(file, JSON.stringify(account));
        appChannel(dataDir, configFile, [appKey, 'fcm', '--service-account', file]);
      },
      notifications() {
        drain();
        return taken;
      },
      requests() {
        drain();
        return taken;
      },
      stop: () => fake.close(),
    };
  },
};

/**
 * Counts what a fake recorded and forgets it, so 100,000 tokens do not pile up in the fakes'
 * logs: `sends` is the fake's record of sends, `tokensOf` the notifications one record stands
 * for (0 for a refused one). `extra` is a fake whose raw request log is cleared as well.
 */
function counter<T>(sends: T[], tokensOf: (s: T) => number, extra?: { requests: unknown[] }): { notifications(): number; requests(): number } {
  let notifications = 0;
  let requests = 0;
  const drain = (): void => {
    for (const s of sends) {
      const n = tokensOf(s);
      notifications += n;
      if (n > 0) requests++;
    }
    sends.length = 0;
    if (extra) extra.requests.length = 0;
  };
  return {
    notifications() {
      drain();
      return notifications;
    },
    requests() {
      drain();
      return requests;
    },
  };
}

const huawei: BenchVendor = {
  channel: 'huawei',
  platform: 'android',
  batch: 1000,
  async start() {
    const fake = await FakeHms.start();
    const app = fake.createApp();
    return {
      channels: { huawei: { endpoint: fake.url, tokenEndpoint: fake.tokenEndpoint, timeoutMs: 10_000 } },
      setCredentials(dataDir, configFile, appKey) {
        appChannel(dataDir, configFile, [appKey, 'huawei', '--app-id', app.appId, '--app-secret', app.appSecret]);
      },
      ...counter(fake.sends, (s) => (s.code === '80000000' ? s.body.message.token.length : 0)),
      stop: () => fake.close(),
    };
  },
};

const hmos: BenchVendor = {
  channel: 'hmos',
  platform: 'hmos',
  batch: 1000,
  async start(dir) {
    const fake = await FakeHmos.start();
    const account = fake.createServiceAccount();
    return {
      channels: { hmos: { endpoint: fake.url, timeoutMs: 10_000 } },
      setCredentials(dataDir, configFile, appKey) {
        const file = join(dir, 'hmos-service-account.json');
        writeFileSync(file, JSON.stringify(account));
        appChannel(dataDir, configFile, [appKey, 'hmos', '--service-account', file]);
      },
      ...counter(fake.sends, (s) => (s.code === '80000000' ? s.body.target.token.length : 0)),
      stop: () => fake.close(),
    };
  },
};

const honor: BenchVendor = {
  channel: 'honor',
  platform: 'android',
  batch: 1000,
  async start() {
    const fake = await FakeHonor.start();
    const app = fake.createApp();
    return {
      channels: { honor: { endpoint: fake.url, tokenEndpoint: fake.tokenEndpoint, timeoutMs: 10_000 } },
      setCredentials(dataDir, configFile, appKey) {
        appChannel(dataDir, configFile, [appKey, 'honor', '--app-id', app.appId, '--client-id', app.clientId, '--client-secret', app.clientSecret]);
      },
      ...counter(fake.sends, (s) => (s.code === 200 ? s.body.token.length : 0)),
      stop: () => fake.close(),
    };
  },
};

/** Xiaomi, OPPO, vivo and Meizu: the fake, the CLI flags of its credentials, and its count. */
function cnVendor<F extends CnVendorFake>(
  channel: string,
  start: () => Promise<F>,
  setup: (fake: F) => string[],
  count: (fake: F) => { notifications(): number; requests(): number },
): BenchVendor {
  return {
    channel,
    platform: 'android',
    batch: 1000,
    async start() {
      const fake = await start();
      const flags = setup(fake);
      return {
        channels: { [channel]: { endpoint: fake.url, timeoutMs: 10_000 } },
        setCredentials(dataDir, configFile, appKey) {
          appChannel(dataDir, configFile, [appKey, channel, ...flags]);
        },
        ...count(fake),
        stop: () => fake.close(),
      };
    },
  };
}

const xiaomi = cnVendor(
  'xiaomi',
  () => FakeXiaomi.start(),
  (fake) => {
    fake.addApp('bench-mi-secret', 'com.example.bench');
    return ['--app-secret', 'bench-mi-secret', '--package', 'com.example.bench'];
  },
  (fake) => counter(fake.sends, (s) => s.regIds.length, fake),
);

const oppo = cnVendor(
  'oppo',
  () => FakeOppo.start(),
  (fake) => {
    fake.addApp('bench-oppo-key', 'bench-oppo-master');
    return ['--app-key', 'bench-oppo-key', '--master-secret', 'bench-oppo-master'];
  },
  (fake) => counter(fake.sends, (s) => s.ids.size, fake),
);

const vivo = cnVendor(
  'vivo',
  () => FakeVivo.start(),
  (fake) => {
    fake.addApp('10086', 'bench-vivo-key', 'bench-vivo-secret');
    return ['--app-id', '10086', '--app-key', 'bench-vivo-key', '--app-secret', 'bench-vivo-secret'];
  },
  // a list push is two requests (saveListPayload, then pushToList): counted as the one send
  (fake) => counter(fake.sends, (s) => s.regIds.length, fake),
);

const meizu = cnVendor(
  'meizu',
  () => FakeMeizu.start(),
  (fake) => {
    fake.addApp('110086', 'bench-meizu-secret');
    return ['--app-id', '110086', '--app-secret', 'bench-meizu-secret'];
  },
  (fake) => counter(fake.sends, (s) => s.pushIds.length, fake),
);

export const BENCH_VENDORS: BenchVendor[] = [fcm, huawei, hmos, honor, xiaomi, oppo, vivo, meizu];
