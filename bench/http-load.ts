import autocannon from 'autocannon';
import { spawnSync, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds } from './cpu-watch.js';

/** One HTTP load run against a server process, and what it cost that process. */
export interface LoadResult {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx answers plus connection errors. */
  failed: number;
  /** Server CPU time per request in microseconds (user + system, all its threads). */
  cpuPerRequest: number;
}

export interface LoadSpec {
  label: string;
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  seconds: number;
  connections: number;
  /** The server process, whose CPU time is read before and after. */
  serverPid: number;
}

/**
 * wrk (C, one thread) when it is installed, autocannon otherwise. On a two-core machine the
 * load generator shares the cores with the server: autocannon needs about a core of its own
 * at these rates, so it, not the server, can set the ceiling; wrk needs a fraction of one.
 */
export const generator: 'wrk' | 'autocannon' = spawnSync('wrk', ['--version']).error ? 'autocannon' : 'wrk';

export async function load(spec: LoadSpec): Promise<LoadResult> {
  const cpuBefore = cpuSeconds(spec.serverPid);
  const r = generator === 'wrk' ? await runWrk(spec) : await runAutocannon(spec);
  const cpu = cpuSeconds(spec.serverPid) - cpuBefore;
  return { label: spec.label, ...r, cpuPerRequest: r.total > 0 ? (cpu * 1e6) / r.total : NaN };
}

type Raw = Omit<LoadResult, 'label' | 'cpuPerRequest'> & { total: number };

async function runAutocannon(spec: LoadSpec): Promise<Raw> {
  const r = await autocannon({
    url: spec.url,
    method: spec.method,
    connections: spec.connections,
    pipelining: 1,
    duration: spec.seconds,
    headers: spec.headers,
    body: spec.body,
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, failed: r.non2xx + r.errors, total: r.requests.total };
}

/** A Lua script sets method, headers and body, and prints the figures wrk has as one JSON line. */
function wrkScript(spec: LoadSpec): string {
  // For ASCII text (all the benchmark sends) a JSON string literal is also a valid Lua one.
  const lua = (s: string) => JSON.stringify(s);
  const lines = [`wrk.method = ${lua(spec.method)}`];
  for (const [k, v] of Object.entries(spec.headers)) lines.push(`wrk.headers[${lua(k)}] = ${lua(v)}`);
  if (spec.body !== undefined) lines.push(`wrk.body = ${lua(spec.body)}`);
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format("BENCH {\\"total\\":%d,\\"us\\":%d,\\"p50\\":%d,\\"p99\\":%d,\\"failed\\":%d}\\n",',
    '    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),',
    '    e.status + e.connect + e.read + e.write + e.timeout))',
    'end',
  );
  return lines.join('\n') + '\n';
}

async function runWrk(spec: LoadSpec): Promise<Raw> {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-wrk-'));
  try {
    const script = join(dir, 'load.lua');
    writeFileSync(script, wrkScript(spec));
    const args = ['-t1', `-c${spec.connections}`, `-d${spec.seconds}s`, '--timeout', '10s', '-s', script, spec.url];
    const out = await new Promise<string>((resolve, reject) =>
      execFile('wrk', args, { encoding: 'utf8' }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    const m = /BENCH (\{.*\})/.exec(out);
    if (!m) throw new Error(`wrk printed no figures:\n${out}`);
    const f = JSON.parse(m[1]!) as { total: number; us: number; p50: number; p99: number; failed: number };
    return { rps: f.total / (f.us / 1e6), p50: f.p50 / 1000, p99: f.p99 / 1000, failed: f.failed, total: f.total };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
