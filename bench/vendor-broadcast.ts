import { Agent } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSecret } from '../src/apps/credentials.js';
import { loadConfig } from '../src/config.js';
import { openStore } from '../src/node.js';
import { cpuSeconds } from './cpu-watch.js';
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
  const started = now();
  for (let i = 0; i < n; i++) {
    if (i > 0 && i % 20_000 === 0) progress(`seeded ${fmt(i)} of ${fmt(n)} devices`);
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
  progress(`seeded ${fmt(n)} devices in ${fmt((now() - started) / 1000, 1)} s`);
}

/**
 * The figures are printed when the run is over; a run cut off before that (a timeout) would
 * otherwise say nothing of where it was: each stage is told on stderr as it happens.
 */
function progress(line: string): void {
  process.stderr.write(`[vendor-broadcast] ${line}\n`);
}

export async function benchVendorBroadcast(): Promise<string[]> {
  const n = Number(process.env.BENCH_VENDOR_DEVICES ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'borealis-bench-vendors-'));
  const fakes: { vendor: BenchVendor; fake: RunningVendorFake }[] = [];
  for (const vendor of BENCH_VENDORS) fakes.push({ vendor, fake: await vendor.start(dir) });
  // Devices are spread round-robin over the vendors, so a slice of 1,000 per vendor lets every
  // channel send full batches (most vendors take 1,000 tokens per request) instead of 1000/8.
  const sliceDevices = 1000 * BENCH_VENDORS.length;
  const channels: Record<string, unknown> = { relay: { concurrency: 8, sliceDevices, pollMs: 50 } };
  for (const { fake } of fakes) Object.assign(channels, fake.channels);
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0);
  const server = await startBenchServer({ store: { synchronous: 'normal' }, channels }, nodeArgs, async (dataDir, configFile, appKey) => {
    for (const { fake } of fakes) fake.setCredentials(dataDir, configFile, appKey);
    await seed(dataDir, configFile, appKey, n, BENCH_VENDORS);
  });
  progress(`server up at ${server.url}`);
  try {
    const agent = new Agent({ keepAlive: true });
    const auth = 'Basic ' + Buffer.from(`${server.appKey}:${server.masterSecret}`).toString('base64');
    const taken = () => fakes.reduce((sum, f) => sum + f.fake.notifications(), 0);
    const rssBefore = rssOf(server.child.pid!);
    let rssPeak = rssBefore;
    // CPU time the server spends relaying: unlike wall time, it barely depends on the load
    // other processes put on the machine, so runs on a busy machine still compare
    const cpuBefore = cpuSeconds(server.child.pid!);
    const benchCpuBefore = process.cpuUsage();
    const t0 = now();
    const platforms = [...new Set(BENCH_VENDORS.map((v) => v.platform))];
    const notification: Record<string, unknown> = { alert: 'bench', android: { alert: 'bench', title: 't' } };
    if (platforms.includes('hmos')) notification.hmos = { alert: 'bench', title: 't', category: 'MARKETING' };
    const res = await post(agent, server.url + '/v3/push', JSON.stringify({ platform: platforms, audience: 'all', notification }), { authorization: auth });
    if (res.status !== 200) throw new Error(res.body);
    const accepted = now() - t0;
    progress(`push accepted in ${fmt(accepted)} ms; relaying`);
    const deadline = t0 + 300_000;
    let told = now();
    // when each fake had its whole share (devices go round-robin over the vendors)
    const share = (k: number) => Math.floor(n / fakes.length) + (k < n % fakes.length ? 1 : 0);
    const doneAt = fakes.map(() => NaN);
    while (taken() < n && now() < deadline) {
      fakes.forEach((f, k) => {
        if (Number.isNaN(doneAt[k]) && f.fake.notifications() >= share(k)) doneAt[k] = now() - t0;
      });
      rssPeak = Math.max(rssPeak, rssOf(server.child.pid!));
      if (now() - told >= 5000) {
        told = now();
        progress(`${fmt(taken())} of ${fmt(n)} notifications at the fakes after ${fmt((told - t0) / 1000, 1)} s`);
      }
      await sleep(20);
    }
    const elapsed = now() - t0;
    const serverCpu = cpuSeconds(server.child.pid!) - cpuBefore;
    const benchCpu = process.cpuUsage(benchCpuBefore);
    fakes.forEach((f, k) => {
      if (Number.isNaN(doneAt[k]) && f.fake.notifications() >= share(k)) doneAt[k] = elapsed;
    });
    const got = taken();
    agent.destroy();
    const lines = [
      `Broadcast to ${fmt(n)} offline devices spread over ${BENCH_VENDORS.map((v) => v.channel).join(', ')} (the vendors whose fakes exist), relayed to the fakes on this machine: ${fmt(got)} notifications in ${fmt(elapsed / 1000, 1)} s = **${fmt((got / elapsed) * 1000)} notifications/s** (target 20,000).`,
      ...fakes.map(
        ({ vendor, fake }, k) =>
          `- ${vendor.channel}: ${fmt(fake.notifications())} notifications in ${fmt(fake.requests())} requests (at most ${vendor.batch} per request)` +
          (Number.isNaN(doneAt[k]) ? ', never complete.' : `, all in by ${fmt(doneAt[k]! / 1000, 2)} s.`),
      ),
      `- POST /v3/push answered in ${fmt(accepted)} ms; relay slices of ${fmt(sliceDevices)} devices, 8 at once.`,
      `- Server CPU while relaying: ${fmt(serverCpu, 2)} s = ${fmt((serverCpu * 1e6) / Math.max(got, 1), 1)} µs per notification (user + system; the fakes, in the bench process, used ${fmt((benchCpu.user + benchCpu.system) / 1e6, 2)} s).`,
      `- Server RSS ${mib(rssBefore)} MiB before the push, ${mib(rssPeak)} MiB at its highest while relaying.`,
    ];
    if (got < n) lines.push(`- Incomplete: ${fmt(n - got)} notifications had not reached the fakes after 300 s.`);
    return lines;
  } finally {
    await server.stop();
    for (const { fake } of fakes) await fake.stop();
  }
}
