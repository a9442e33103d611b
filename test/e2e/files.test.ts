import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { FileJanitor } from '../../src/files/file-janitor.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { formatLocalDateTime } from '../../src/schedules/trigger.js';
import { uploadLines } from '../helpers/multipart.js';
import { awayFromWindowEdge } from '../helpers/rate-window.js';
import { call, errorCode, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/** One number the store's database answers, whichever store the server runs on. */
async function scalar(server: TestServer, sql: string, ...args: unknown[]): Promise<number> {
  const store = server.node.ctx.store;
  if (store instanceof PostgresStore) {
    let n = 0;
    const { rows } = await store.db.query(sql.replace(/\?/g, () => `$${++n}`), args.map((a) => (typeof a === 'bigint' ? String(a) : a)));
    return Number(Object.values(rows[0] ?? {})[0]);
  }
  return Number((store as SqliteStore).db.prepare(sql).pluck().get(...args));
}

function targetCount(server: TestServer, msgId: string): Promise<number> {
  return scalar(server, 'SELECT target_count FROM pushes WHERE msg_id = ?', BigInt(msgId));
}

const notification = { alert: 'from a file' };

describe('File API and file pushes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ files: { maxFiles: 6, maxBytes: 64 * 1024, requestsPerMinute: 0 }, schedules: { pollMs: 100 }, limits: { requestsPerWindow: 0 } });
  });
  after(() => server.close());

  const upload = (type: string, lines: string[], options = {}, auth = server.app) =>
    uploadLines(`${server.url}/v3/files/${type}`, auth, lines, options);

  test('upload registration ids, list, get, push by /v3/push/file and by audience.file, delete', async () => {
    const [android, ios] = server.devices;
    const res = await upload('registration_id', [android!.registrationId, '  ' + ios!.registrationId + '  ', '', 'unknownid123', android!.registrationId], { ttl: '1', fileName: 'vip.txt' });
    assert.equal(res.status, 200, res.text);
    const fileId = (res.body as { file_id: string }).file_id;
    assert.ok(fileId.startsWith(`${server.app.appKey}-`));

    const got = await call(server, 'GET', `/v3/files/${fileId}`);
    assert.equal(got.status, 200);
    const file = got.body as Record<string, string>;
    assert.equal(file.type, 'registration_id');
    assert.equal(file.file_name, 'vip.txt');
    assert.match(file.create_time!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const hours = (Date.parse(file.expire_time!.replace(' ', 'T') + 'Z') - Date.parse(file.create_time!.replace(' ', 'T') + 'Z')) / 3_600_000;
    assert.ok(Math.abs(hours - 1) < 0.01, `ttl of 1 hour, got ${hours}`);
    const list = (await call(server, 'GET', '/v3/files')).body as { total_count: number; files: { file_id: string }[] };
    assert.ok(list.files.some((f) => f.file_id === fileId));
    assert.equal(list.total_count, list.files.length);

    const byFile = await call(server, 'POST', '/v3/push/file', { body: { platform: 'all', audience: { file: { file_id: fileId } }, notification } });
    assert.equal(byFile.status, 200, byFile.text);
    assert.equal(await targetCount(server, (byFile.body as { msg_id: string }).msg_id), 2);
    const androidOnly = await call(server, 'POST', '/v3/push', { body: { platform: ['android'], audience: { file: { file_id: fileId } }, notification } });
    assert.equal(androidOnly.status, 200, androidOnly.text);
    assert.equal(await targetCount(server, (androidOnly.body as { msg_id: string }).msg_id), 1);
    const notFile = await call(server, 'POST', '/v3/push/file', { body: { platform: 'all', audience: 'all', notification } });
    assert.equal(errorCode(notFile), 1003);

    assert.equal((await call(server, 'DELETE', `/v3/files/${fileId}`)).status, 200);
    assert.equal((await call(server, 'GET', `/v3/files/${fileId}`)).status, 404);
    assert.equal((await call(server, 'DELETE', `/v3/files/${fileId}`)).status, 200, 'deleting an unknown file succeeds');
    const gone = await call(server, 'POST', '/v3/push/file', { body: { platform: 'all', audience: { file: { file_id: fileId } }, notification } });
    assert.equal(errorCode(gone), 1011);
  });

  test('alias files resolve through aliases; other apps can neither see nor use a file', async () => {
    const res = await upload('alias', ['someone', 'nobody']);
    assert.equal(res.status, 200, res.text);
    const fileId = (res.body as { file_id: string }).file_id;
    const push = await call(server, 'POST', '/v3/push/file', { body: { platform: 'all', audience: { file: { file_id: fileId } }, notification } });
    assert.equal(push.status, 200, push.text);
    assert.equal(await targetCount(server, (push.body as { msg_id: string }).msg_id), 1);

    const other = await server.createApp('other'); // has its own device with alias "someone"
    assert.equal((await call(server, 'GET', `/v3/files/${fileId}`, { auth: other })).status, 404);
    assert.equal(((await call(server, 'GET', '/v3/files', { auth: other })).body as { total_count: number }).total_count, 0);
    const foreign = await call(server, 'POST', '/v3/push/file', { auth: other, body: { platform: 'all', audience: { file: { file_id: fileId } }, notification } });
    assert.equal(errorCode(foreign), 1011);
    await call(server, 'DELETE', `/v3/files/${fileId}`, { auth: other });
    assert.equal((await call(server, 'GET', `/v3/files/${fileId}`)).status, 200, "another app's delete leaves the file");
    await call(server, 'DELETE', `/v3/files/${fileId}`);
  });

  test('bad uploads get errors and leave nothing behind', async () => {
    const before = ((await call(server, 'GET', '/v3/files')).body as { total_count: number }).total_count;
    const cases: [Promise<{ status: number; body: unknown; text: string }>, number, number][] = [
      [upload('registration_id', ['good1', 'bad-id!']), 400, 1003],
      [upload('alias', ['x'.repeat(41)]), 400, 1003],
      [upload('registration_id', []), 400, 1003],
      [upload('registration_id', ['abc'], { ttl: '0' }), 400, 1003],
      [upload('registration_id', ['abc'], { ttl: '721' }), 400, 1003],
      [upload('tag', ['abc']), 400, 1003],
      [upload('registration_id', Array.from({ length: 5000 }, (_, i) => `id${i}xxxxxxxxxxxxxxx`)), 413, 1005],
      [call(server, 'POST', '/v3/files/registration_id', { body: { file: 'x' } }), 400, 1003],
      [upload('registration_id', ['abc'], {}, { appKey: server.app.appKey, masterSecret: 'wrong' }), 401, 1004],
    ];
    for (const [pending, status, code] of cases) {
      const res = await pending;
      assert.equal(res.status, status, res.text);
      assert.equal(errorCode(res as never), code, res.text);
    }
    const after = ((await call(server, 'GET', '/v3/files')).body as { total_count: number }).total_count;
    assert.equal(after, before);
    assert.equal(await scalar(server, 'SELECT count(*) FROM files WHERE NOT ready'), 0);
  });

  test('at most maxFiles unexpired files; expired ones are swept', async () => {
    const ids: string[] = [];
    for (;;) {
      const res = await upload('registration_id', ['abc']);
      if (res.status !== 200) {
        assert.equal(errorCode(res as never), 1003);
        break;
      }
      ids.push((res.body as { file_id: string }).file_id);
      assert.ok(ids.length <= 6);
    }
    const janitor = new FileJanitor(server.node.ctx.store, server.node.ctx.logger);
    assert.equal(await janitor.sweep(Date.now() + 721 * 3_600_000), ids.length);
    assert.equal(((await call(server, 'GET', '/v3/files')).body as { total_count: number }).total_count, 0);
    assert.equal(await scalar(server, 'SELECT count(*) FROM file_values'), 0);
  });

  test('a file schedule fires to the devices of its file', async () => {
    const res = await upload('registration_id', [server.devices[0]!.registrationId]);
    const fileId = (res.body as { file_id: string }).file_id;
    const time = formatLocalDateTime(Math.ceil((Date.now() + 1500) / 1000) * 1000, 480);
    const created = await call(server, 'POST', '/v3/schedules', {
      body: { name: 'file_schedule', enabled: true, trigger: { single: { time } }, push: { platform: 'all', audience: { file: { file_id: fileId } }, notification } },
    });
    assert.equal(created.status, 200, created.text);
    const id = (created.body as { schedule_id: string }).schedule_id;
    const run = await waitFor(async () => (await server.node.ctx.store.schedules.runs(id)).find((r) => r.doneAt !== null), 15_000, 'the file schedule to fire');
    assert.ok(run.msgId, JSON.stringify(run));
    assert.equal(await targetCount(server, run.msgId), 1);
    await call(server, 'DELETE', `/v3/files/${fileId}`);
  });
});

describe('per-minute allowances of the File and Schedule APIs', () => {
  test('past them: 429 / 2002; file schedules count against both', async () => {
    const server = await startTestServer({ files: { requestsPerMinute: 3 }, schedules: { requestsPerMinute: 2 } });
    try {
      // allowances count per clock minute: start well inside one
      await awayFromWindowEdge(60);
      const up = await uploadLines(`${server.url}/v3/files/registration_id`, server.app, [server.devices[0]!.registrationId]);
      assert.equal(up.status, 200, up.text);
      const fileId = (up.body as { file_id: string }).file_id;
      assert.equal((await call(server, 'GET', '/v3/files')).status, 200);
      const time = formatLocalDateTime(Date.now() + 3_600_000, 480);
      const body = { name: 'f', enabled: true, trigger: { single: { time } }, push: { platform: 'all', audience: { file: { file_id: fileId } }, notification } };
      assert.equal((await call(server, 'POST', '/v3/schedules', { body })).status, 200, 'the third File API call');
      const over = await call(server, 'GET', `/v3/files/${fileId}`);
      assert.equal(over.status, 429);
      assert.equal(errorCode(over), 2002);
      assert.equal((await call(server, 'GET', '/v3/schedules')).status, 200, 'the second Schedule API call');
      assert.equal(errorCode(await call(server, 'GET', '/v3/schedules')), 2002);
      assert.equal((await call(server, 'POST', '/v3/push', { body: { platform: 'all', audience: 'all', notification } })).status, 200, 'other APIs are not affected');
    } finally {
      await server.close();
    }
  });
});

describe('a million-line file', () => {
  test('streams into the store within bounded memory and pushes to the ids it names', { timeout: 180_000 }, async (t) => {
    // a bigger file limit goes with a longer request timeout (the whole body must arrive within it)
    const server = await startTestServer({ files: { maxBytes: 64 * 1024 * 1024 }, http: { requestTimeoutMs: 600_000 } });
    try {
      const rid = server.devices[0]!.registrationId;
      function* ids(): Generator<string> {
        for (let i = 0; i < 999_999; i++) yield `m${i.toString(36).padStart(12, '0')}`;
        yield rid;
      }
      // heap still in use after a collection, sampled through the upload: what is held, not garbage
      v8.setFlagsFromString('--expose_gc');
      const gc = vm.runInNewContext('gc') as () => void;
      gc();
      const base = process.memoryUsage().heapUsed;
      let peak = base;
      const sampler = setInterval(() => {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }, 250);
      const res = await uploadLines(`${server.url}/v3/files/registration_id`, server.app, ids());
      clearInterval(sampler);
      assert.equal(res.status, 200, res.text);
      const fileId = (res.body as { file_id: string }).file_id;
      const file = await server.node.ctx.store.files.get(server.app.appKey, fileId, Date.now());
      assert.equal(file?.valueCount, 1_000_000);
      // 1,000,000 ids held at once would take over 40 MB of heap (strings plus array)
      const grown = (peak - base) / 2 ** 20;
      t.diagnostic(`heap held during the upload: +${grown.toFixed(1)} MB`);
      assert.ok(grown < 20, `heap grew by ${grown.toFixed(1)} MB during the upload`);
      const push = await call(server, 'POST', '/v3/push/file', { body: { platform: 'all', audience: { file: { file_id: fileId } }, notification } });
      assert.equal(push.status, 200, push.text);
      assert.equal(await targetCount(server, (push.body as { msg_id: string }).msg_id), 1);
    } finally {
      await server.close();
    }
  });
});
