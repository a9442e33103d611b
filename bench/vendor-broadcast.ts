import { Agent } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSecret } from '../src/apps/credentials.js';
import { loadConfig } from '../src/config.js';
import { openStore } from '../src/node.js';
import { post } from './devices.js';
import { fmt, mib, now, rssOf, sleep, startBenchServer } from './lib.js';
import { BENCH_VENDORS, type BenchVendor, type RunningVendorFake } from './vendor-fakes.js';

/**
 * A broadcast to N devices spread evenly over every vendor whose fake exists
 * (bench/vendor-fakes.ts), all offline, so the default strategies relay every notification: the
 * time from POST /v3/push until every fake took its share, the requests made per vendor (the
 * channels batch up to each vendor's maximum), and the server's memory.
 */
async function seed(dir: string, configFile: string, appKey: string, n: number, vendors: readonly BenchVendor[]): Promise<void> {
  const store = openStore(loadConfig({ dataDir: dir, configFile }));
  const secret = hashSecret('bench');
  for (let i = 0; i < n; i++) {
    const v = vendors[i % vendors.length]!;
    await store.devices.insert({
      appKey,
      registrationId: `v${String(i).padStart(18, '0')}`,
      platform: v.platform,
      secretHash: secret,
      alias: null,
      mobile: null,
      tokens: { [v.channel]: `${v.channel}-token-${i}` },
      createdAt: Date.now(),
    });
  }
  await store.close();
}

export async function benchVendorBroadcast(): Promise<string[]> {
  const n = Number(process.env.BENCH_VENDOR_DEVICES ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'borealis-bench-vendors-'));
  const fakes: { vendor: BenchVendor; fake: RunningVendorFake }[] = [];
  for (const vendor of BENCH_VENDORS) fakes.push({ vendor, fake: await vendor.start(dir) });
  const channels: Record<string, unknown> = { relay: { concurrency: 8, sliceDevices: 1000, pollMs: 50 } };
  for (const { fake } of fakes) Object.assign(channels, fake.channels);
  const server = await startBenchServer({ store: { synchronous: 'normal' }, channels }, [], async (dataDir, configFile, appKey) => {
    for (const { fake } of fakes) fake.setCredentials(dataDir, configFile, appKey);
    await seed(dataDir, configFile, appKey, n, BENCH_VENDORS);
  });
  try {
    const agent = new Agent({ keepAlive: true });
    const auth = 'Basic ' + Buffer.from(`${server.appKey}:${server.masterSecret}`).toString('base64');
    const taken = () => fakes.reduce((sum, f) => sum + f.fake.notifications(), 0);
    const rssBefore = rssOf(server.child.pid!);
    let rssPeak = rssBefore;
    const t0 = now();
    const platforms = [...new Set(BENCH_VENDORS.map((v) => v.platform))];
    const res = await post(agent, server.url + '/v3/push', JSON.stringify({ platform: platforms, audience: 'all', notification: { alert: 'bench', android: { alert: 'bench', title: 't' }, hmos: { alert: 'bench', title: 't', category: 'MARKETING' } } }), { authorization: auth });
    if (res.status !== 200) throw new Error(res.body);
    const deadline = t0 + 300_000;
    while (taken() < n && now() < deadline) {
      rssPeak = Math.max(rssPeak, rssOf(server.child.pid!));
      await sleep(20);
    }
    const elapsed = now() - t0;
    const got = taken();
    agent.destroy();
    const lines = [
      `Broadcast to ${fmt(n)} offline devices spread over ${BENCH_VENDORS.map((v) => v.channel).join(', ')} (the vendors whose fakes exist), relayed to the fakes on this machine: ${fmt(got)} notifications in ${fmt(elapsed / 1000, 1)} s = **${fmt((got / elapsed) * 1000)} notifications/s** (target 20,000).`,
      ...fakes.map(({ vendor, fake }) => `- ${vendor.channel}: ${fmt(fake.notifications())} notifications in ${fmt(fake.requests())} requests (at most ${vendor.batch} per request).`),
      `- Server RSS ${mib(rssBefore)} MiB before the push, ${mib(rssPeak)} MiB at its highest while relaying.`,
    ];
    if (got < n) lines.push(`- Incomplete: ${fmt(n - got)} notifications had not reached the fakes after 300 s.`);
    return lines;
  } finally {
    await server.stop();
    for (const { fake } of fakes) await fake.stop();
  }
}
