import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeFcm } from '../test/fakes/fcm-server.js';
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

export const BENCH_VENDORS: BenchVendor[] = [fcm];
