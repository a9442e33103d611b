import { spawnSync } from 'node:child_process';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { FakeSmtpServer } from '../test/fakes/smtp-server.js';
import { post, registerDevices } from './devices.js';
import { Fleet, since } from './fleet.js';
import { CLI, fmt, mib, now, rssOf, sleep, startBenchServer, type BenchServer } from './lib.js';
import { CLIENT_PROCESSES, GATEWAY_BENCH_CONFIG, gatewayUrl } from './setup.js';

/**
 * One `POST /v1/sent` (UMS) to N users, each with one connected device and one email address,
 * over app + email at once: the time until every device acknowledged its push and the local
 * SMTP server (test/fakes/smtp-server.ts, in the bench process, parsing every mail) accepted
 * every mail. Users go out by one tag (aud_userid takes 1,000 at most).
 */

const USERS_PER_OPT = 1000;
const SMTP_CONNECTIONS = 8;

function progress(line: string): void {
  process.stderr.write(`[ums-sent] ${line}\n`);
}

function cli(server: BenchServer, ...args: string[]): Record<string, string> {
  const out = spawnSync(process.execPath, [CLI, 'ums', ...args, '--json', '--data', server.dir, '--config', join(server.dir, 'config.json')], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`borealis ums ${args.join(' ')}: ${out.stderr}`);
  return out.stdout.trim() === '' ? {} : (JSON.parse(out.stdout) as Record<string, string>);
}

const basicOf = (user: string, secret: string) => 'Basic ' + Buffer.from(`${user}:${secret}`).toString('base64');

export async function benchUmsSent(): Promise<string[]> {
  const n = Number(process.env.BENCH_UMS_USERS ?? 10_000);
  const smtp = await FakeSmtpServer.start({ user: 'bench', pass: 'bench' });
  const server = await startBenchServer({ ...GATEWAY_BENCH_CONFIG, limits: { registrationsPerWindow: 0, registrationsPerAddress: 0 }, ums: { pollMs: 50, smtpConnections: SMTP_CONNECTIONS, concurrency: 32 } });
  const fleet = Fleet.start(CLIENT_PROCESSES);
  const agent = new Agent({ keepAlive: true });
  try {
    const channel = cli(server, 'channel', 'create', '--name', 'bench', '--app', server.appKey);
    const access = cli(server, 'accesskey', 'create');
    cli(server, 'credentials', channel.channelKey!, 'email', '--host', '127.0.0.1', '--port', String(smtp.port), '--user', 'bench', '--pass', 'bench', '--from', 'Bench <bench@example.com>');
    const reg = await registerDevices(server.url, server.appKey, n);
    progress(`registered ${fmt(n)} devices (${fmt(reg.perSecond)}/s)`);
    const c = await fleet.connect('borealis', gatewayUrl(server.url), reg.devices, { inFlight: 200 });
    if (c.ready !== n) throw new Error(`only ${c.ready} of ${n} devices connected`);
    progress(`${fmt(n)} devices connected`);
    const akAuth = basicOf(access.accessKey!, access.secret!);
    const optStarted = now();
    for (let i = 0; i < n; i += USERS_PER_OPT) {
      const users = reg.devices.slice(i, i + USERS_PER_OPT).map((d, k) => ({
        userid: `user${i + k}`,
        add: { tag: { all: ['bench'] }, app: { [server.appKey]: [d.rid] } },
        set: { email: { all: `user${i + k}@example.com` } },
      }));
      const res = await post(agent, server.url + '/v1/user/opt', JSON.stringify(users), { authorization: akAuth });
      if (res.status !== 200 || (JSON.parse(res.body) as { data: { fail: unknown[] } }).data.fail.length > 0) throw new Error(`user/opt: ${res.body.slice(0, 300)}`);
    }
    const optSeconds = (now() - optStarted) / 1000;
    progress(`${fmt(n)} users added in ${fmt(optSeconds, 1)} s`);
    await sleep(1000);

    const wait = await fleet.arm(1);
    const rssBefore = rssOf(server.child.pid!);
    let rssPeak = rssBefore;
    const t0 = now();
    const res = await post(
      agent,
      server.url + '/v1/sent',
      JSON.stringify({
        aud_tag: ['bench'],
        msg_app: [{ platform: 'all', notification: { alert: 'Your order has shipped' } }],
        msg_email: [{ subject: 'Your order has shipped', text: '<p>Your order has shipped. Thank you for shopping with us.</p>' }],
      }),
      { authorization: basicOf(channel.channelKey!, channel.masterSecret!) },
    );
    if (res.status !== 200) throw new Error(`/v1/sent: ${res.status} ${res.body}`);
    const accepted = now() - t0;
    progress(`/v1/sent accepted in ${fmt(accepted)} ms`);
    let mailsDone = 0;
    const acks = wait(600_000);
    const deadline = t0 + 600_000;
    let told = now();
    while (smtp.mails.length < n && now() < deadline) {
      rssPeak = Math.max(rssPeak, rssOf(server.child.pid!));
      if (now() - told >= 5000) {
        told = now();
        progress(`${fmt(smtp.mails.length)} of ${fmt(n)} mails after ${fmt((told - t0) / 1000, 1)} s`);
      }
      await sleep(20);
    }
    if (smtp.mails.length >= n) mailsDone = Math.max(...smtp.mails.map((m) => m.at)) - t0;
    const r = await acks;
    const lastAck = since(t0, r.lastAck);
    const all = Math.max(lastAck, mailsDone);
    const lines = [
      `One /v1/sent by tag to ${fmt(n)} users, each with one connected device and one email address (app + email at once):`,
      `- HTTP 200 after ${fmt(accepted)} ms (audience resolved, ${fmt(2 * n)} jobs stored).`,
      `- Every device acknowledged: ${r.finished ? `${fmt(lastAck / 1000, 2)} s` : `no, ${fmt(r.complete)} of ${fmt(n)} after 600 s`} (first push received at ${fmt(since(t0, r.firstRecv) / 1000, 2)} s).`,
      `- Every mail accepted by the local SMTP server: ${mailsDone > 0 ? `${fmt(mailsDone / 1000, 2)} s (${fmt((n / mailsDone) * 1000)} mails/s over ${SMTP_CONNECTIONS} SMTP connections)` : `no, ${fmt(smtp.mails.length)} of ${fmt(n)} after 600 s`}.`,
      `- **All done after ${fmt(all / 1000, 2)} s.** Server RSS ${mib(rssBefore)} MiB before, ${mib(rssPeak)} MiB at its highest.`,
      `- Setup (not timed above): ${fmt(n)} users added with /v1/user/opt in ${fmt(optSeconds, 1)} s (${USERS_PER_OPT} per request).`,
    ];
    return lines;
  } finally {
    agent.destroy();
    await fleet.close().catch(() => undefined);
    await fleet.stop();
    await server.stop();
    await smtp.close();
  }
}
