import { benchAudience } from './audience.js';
import { benchCluster, benchClusterAccept } from './cluster.js';
import { benchConnections } from './connections.js';
import { benchEmasAccept } from './emas-accept.js';
import { benchFanout } from './fanout.js';
import { benchInboxExpiry } from './inbox-expiry.js';
import { benchLatency } from './latency.js';
import { benchPushAccept } from './push-accept.js';
import { benchSoak } from './soak.js';
import { benchStartup } from './startup.js';
import { benchStorm } from './storm.js';
import { benchRelay } from './relay.js';
import { benchVendorBroadcast } from './vendor-broadcast.js';
import { benchUmsSent } from './ums-sent.js';
import { benchFilePush, benchSchedules } from './schedules-files.js';
import { CpuWatch, waitForQuiet } from './cpu-watch.js';
import { fmt, machine, runStamp } from './lib.js';

/** `npm run bench [-- name...]`: runs the benchmarks and prints their figures as Markdown. */
const BENCHES: Record<string, (seconds: number) => Promise<string[]>> = {
  'push-accept': benchPushAccept,
  'emas-accept': benchEmasAccept,
  'inbox-expiry': benchInboxExpiry,
  latency: benchLatency,
  connections: benchConnections,
  fanout: benchFanout,
  storm: benchStorm,
  audience: benchAudience,
  startup: benchStartup,
  cluster: benchCluster,
  'cluster-accept': benchClusterAccept,
  relay: benchRelay,
  'vendor-broadcast': benchVendorBroadcast,
  'ums-sent': benchUmsSent,
  soak: benchSoak,
  schedules: benchSchedules,
  'file-push': benchFilePush,
};

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const wanted = process.argv.slice(2);
// the soak runs for minutes: only when asked for by name
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES).filter((n) => n !== 'soak');

console.log(`# Borealis benchmarks\n\nMachine: ${machine()}\nDate: ${new Date().toISOString()}\nRan on: ${runStamp()}\n`);
for (const name of names) {
  const bench = BENCHES[name];
  if (!bench) {
    console.error(`unknown benchmark ${name}; have ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  console.log(`## ${name}\n`);
  // Other work on the machine would skew the figures: wait for quiet, then say how busy it was.
  const before = await waitForQuiet();
  const watch = new CpuWatch();
  for (const line of await bench(seconds)) console.log(line);
  const during = watch.stop();
  console.log(`Other processes on the machine: ${fmt(before * 100, 1)}% of its CPU just before, ${fmt(during * 100, 1)}% during this benchmark.\n`);
}
