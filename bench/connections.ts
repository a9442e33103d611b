import { registerDevices } from './devices.js';
import { Fleet } from './fleet.js';
import { GC_HOOK_ARGS, fmt, mib, now, runStamp, settledMemory, sleep, startBenchServer, type Memory } from './lib.js';
import { CLIENT_PROCESSES, GATEWAY_BENCH_CONFIG, deviceCount, gatewayUrl } from './setup.js';

/**
 * Memory per idle connected device: the server's resident set and V8 heap after a forced full
 * GC, once with every device registered but none connected, once with all N connected and
 * quiet. The difference over N is the cost of one idle connection (socket, ws and session
 * objects, presence entry); kernel socket buffers are not in a process's RSS and not counted.
 */

export async function benchConnections(): Promise<string[]> {
  const n = deviceCount();
  const server = await startBenchServer(GATEWAY_BENCH_CONFIG, GC_HOOK_ARGS);
  const fleet = Fleet.start(CLIENT_PROCESSES);
  try {
    const reg = await registerDevices(server.url, server.appKey, n);
    await sleep(1000);
    const before = await settledMemory(server);
    const started = now();
    const c = await fleet.connect('borealis', gatewayUrl(server.url), reg.devices, { inFlight: 200 });
    const connectSeconds = (c.lastReady - started) / 1000;
    // Quiet: last-online times flushed, no handshakes in flight.
    await sleep(3000);
    const after = await settledMemory(server);
    const perDevice = (k: keyof Memory) => (after[k] - before[k]) / c.ready;

    const lines = [
      `Ran on ${runStamp()}. N = ${fmt(n)} devices, ${fmt(c.ready)} connected (${c.failed} failed), idle (heartbeat 3600 s), over ${CLIENT_PROCESSES} client processes on the same machine.`,
      `Registration ${fmt(reg.perSecond)} devices/s (HTTP, 50 at a time); connecting ${fmt(c.ready / connectSeconds)} devices/s (800 handshakes in flight).`,
      'Server memory after a forced full GC:',
      '',
      '| server memory | registered, none connected (MiB) | all connected (MiB) | delta (MiB) | per device (KB) |',
      '|---|---|---|---|---|',
    ];
    const row = (label: string, k: keyof Memory) =>
      `| ${label} | ${mib(before[k])} | ${mib(after[k])} | ${mib(after[k] - before[k])} | ${fmt(perDevice(k) / 1000, 2)} |`;
    lines.push(row('resident set (RSS)', 'rss'));
    lines.push(row('V8 heap used', 'heapUsed'));
    lines.push(row('external (Buffers)', 'external'));
    lines.push('');
    lines.push(`Target: at most 4 KB per idle device (RSS): ${perDevice('rss') <= 4_000 ? 'met' : 'NOT met'}.`);
    lines.push('');
    await fleet.close();
    return lines;
  } finally {
    await fleet.stop();
    await server.stop();
  }
}
