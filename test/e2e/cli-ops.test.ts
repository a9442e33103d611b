import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BorealisClient, type Push } from '../../sdk/src/node.js';
import { runCliAsync, startServe, type ServeProcess } from '../helpers/cli.js';

function credentialsFrom(out: string): { appKey: string; secret: string } {
  const appKey = /appKey:\s+([0-9a-f]{24})/.exec(out)?.[1];
  const secret = /masterSecret:\s+([0-9a-f]{24})/.exec(out)?.[1];
  assert.ok(appKey && secret, out);
  return { appKey, secret };
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('borealis push, backup and bare serve flags', () => {
  let dir: string;
  let serve: ServeProcess;
  let appKey: string;
  let secret: string;
  let device: BorealisClient;
  const received: Push[] = [];
  const cli = (args: string[], env: Record<string, string> = {}, input?: string) =>
    runCliAsync(args, { BOREALIS_SERVER: serve.url, ...env }, input);
  const withCreds = (args: string[]) => cli([...args, '--app-key', appKey, '--master-secret', secret]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'borealis-ops-'));
    // no command: the flags go to serve
    serve = await startServe(['--data', dir], { bareFlags: true });
    ({ appKey, secret } = credentialsFrom(await waitFor('credentials', () => (/masterSecret/.test(serve.stdout()) ? serve.stdout() : undefined))));
    device = new BorealisClient({ server: serve.url, appKey, platform: 'android', reconnect: false });
    device.on('push', (p) => received.push(p));
    await device.connect();
    await device.setTags({ add: ['news'] });
  });
  after(async () => {
    await device?.close();
    await serve?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('the first start prints a device command with --tags news and a curl to that tag', () => {
    const out = serve.stdout();
    assert.match(out, /device --app-key [0-9a-f]{24} --server \S+ --tags news/);
    assert.match(out, /"audience":\{"tag":\["news"\]\}/);
  });

  test('push --alert hi --tag news, after the export line printed at first start, prints the msg_id and the device gets it', async () => {
    const exported = /export (BOREALIS_SERVER=\S+ BOREALIS_APP_KEY=\S+ BOREALIS_MASTER_SECRET=\S+)/.exec(serve.stdout())?.[1];
    assert.ok(exported, serve.stdout());
    const env = Object.fromEntries(exported.split(' ').map((kv) => kv.split('=') as [string, string]));
    assert.match(serve.stdout(), /^\s+\.\/borealis push --alert Hello --tag news$/m);
    const r = await runCliAsync(['push', '--alert', 'hi', '--tag', 'news'], env);
    assert.equal(r.status, 0, r.stderr);
    const msgId = r.stdout.trim();
    assert.match(msgId, /^[0-9]+$/);
    assert.equal(r.stderr, '');
    const push = await waitFor('the push', () => received.find((p) => p.msgId === msgId));
    assert.equal(push.notification?.alert, 'hi');
  });

  test('push with title, extras, a message, a platform and a time to live, credentials from the environment', async () => {
    const r = await cli(
      ['push', '--alert', 'body', '--title', 'Head', '--extras', 'k=v', '--extras', 'url=a=b', '--message', 'inner', '--rid', device.registrationId!, '--platform', 'android', '--ttl', '60'],
      { BOREALIS_APP_KEY: appKey, BOREALIS_MASTER_SECRET: secret },
    );
    assert.equal(r.status, 0, r.stderr);
    const push = await waitFor('the push', () => received.find((p) => p.msgId === r.stdout.trim()));
    assert.equal(push.notification?.title, 'Head');
    assert.deepEqual(push.notification?.extras, { k: 'v', url: 'a=b' });
    assert.equal(push.message?.msg_content, 'inner');
    assert.equal(push.message?.title, 'Head');
  });

  test('push --json FILE and --json - send the object as written; --validate sends nothing', async () => {
    const file = join(dir, 'push.json');
    writeFileSync(file, JSON.stringify({ platform: 'all', audience: { alias: ['nobody'] }, notification: { alert: 'x' } }));
    const none = await withCreds(['push', '--json', file]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /HTTP 400, error 1011/);

    const body = JSON.stringify({ platform: ['android'], audience: { tag_and: ['news'] }, notification: { alert: 'from stdin' } });
    const r = await cli(['push', '--json', '-', '--app-key', appKey, '--master-secret', secret], {}, body);
    assert.equal(r.status, 0, r.stderr);
    await waitFor('the push', () => received.find((p) => p.msgId === r.stdout.trim()));

    const count = received.length;
    const v = await withCreds(['push', '--validate', '--alert', 'dry', '--all']);
    assert.equal(v.status, 0, v.stderr);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(received.length, count);
  });

  test('wrong credentials, bad flags and a stopped server are clear errors', async () => {
    const wrong = await cli(['push', '--alert', 'x', '--all', '--app-key', appKey, '--master-secret', '0'.repeat(24)]);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /HTTP 401, error 1004/);

    for (const args of [
      ['push', '--alert', 'x'], // nobody
      ['push', '--tag', 'news'], // nothing to say
      ['push', '--alert', 'x', '--all', '--tag', 'news'],
      ['push', '--alert', 'x', '--all', '--platform', 'ios,windows'],
      ['push', '--alert', 'x', '--all', '--extras', 'novalue'],
      ['push', '--alert', 'x', '--all', '--ttl', '-1'],
      ['push', '--json', join(dir, 'push.json'), '--alert', 'x'],
      ['push', '--json', join(dir, 'missing.json')],
    ]) {
      const r = await withCreds(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^borealis: /);
      assert.equal(r.stdout, '');
    }
    const noCreds = await cli(['push', '--alert', 'x', '--all'], { BOREALIS_APP_KEY: '', BOREALIS_MASTER_SECRET: '' });
    assert.equal(noCreds.status, 2);
    assert.match(noCreds.stderr, /--master-secret/);

    const url = `http://127.0.0.1:${await closedPort()}`;
    const down = await withCreds(['push', '--alert', 'x', '--all', '--server', url]);
    assert.equal(down.status, 1);
    assert.ok(down.stderr.includes(`${url}/v3/push`), down.stderr);
    assert.match(down.stderr, /ECONNREFUSED/);
    assert.match(down.stderr, /server running/);
  });

  test('backup while serving and pushing; the restored copy serves the same data', async () => {
    // pushes keep arriving while the copy is taken
    let pushing = true;
    const sent: string[] = [];
    const load = (async () => {
      while (pushing) {
        const r = await withCreds(['push', '--alert', `load ${sent.length}`, '--tag', 'news']);
        assert.equal(r.status, 0, r.stderr);
        sent.push(r.stdout.trim());
      }
    })();
    await waitFor('a push before the backup', () => (sent.length > 0 ? true : undefined));
    const before = [...sent];
    const file = join(dir, 'copy.db');
    const b = await cli(['backup', file, '--data', dir]);
    pushing = false;
    await load;
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /backed up .* \([0-9]+ bytes\)/);
    assert.ok(existsSync(file));
    assert.ok(!existsSync(`${file}-wal`));

    const again = await cli(['backup', file, '--data', dir]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /--force/);
    assert.equal((await cli(['backup', file, '--force', '--data', dir])).status, 0);
    const unwritable = await cli(['backup', join(dir, 'no-such-dir', 'copy.db'), '--data', dir]);
    assert.equal(unwritable.status, 1);
    assert.match(unwritable.stderr, /^borealis backup: cannot copy /);
    const missing = await cli(['backup', join(dir, 'x.db'), '--data', join(dir, 'nothing-here')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no database/);

    // restore as the README says: stop the server, set its files aside, put the copy in place, start
    await device.close();
    assert.equal(await serve.stop('SIGINT'), 0);
    const replaced = join(dir, 'replaced');
    mkdirSync(replaced);
    for (const name of readdirSync(dir).filter((n) => n.startsWith('borealis.db'))) renameSync(join(dir, name), join(replaced, name));
    copyFileSync(file, join(dir, 'borealis.db'));
    const restored = await startServe(['--data', dir]);
    try {
      assert.doesNotMatch(restored.stdout(), /masterSecret:/); // the app came back: no new first app
      const auth = 'Basic ' + Buffer.from(`${appKey}:${secret}`).toString('base64');
      for (const msgId of before) {
        const res = await fetch(`${restored.url}/v3/received?msg_ids=${msgId}`, { headers: { authorization: auth } });
        assert.equal(res.status, 200);
        const [row] = (await res.json()) as { msg_id: string }[];
        assert.equal(String(row?.msg_id), msgId);
      }
      // the device and its tag came back too: a push to the tag finds it
      const r = await cli(['push', '--alert', 'after restore', '--tag', 'news', '--app-key', appKey, '--master-secret', secret, '--server', restored.url]);
      assert.equal(r.status, 0, r.stderr);
    } finally {
      assert.equal(await restored.stop(), 0);
    }
    const report = await cli(['report', before[0]!, '--json', '--data', dir]);
    assert.equal(report.status, 0, report.stderr);
    assert.equal((JSON.parse(report.stdout) as { msg_id: string }).msg_id, before[0]);
  });
});
