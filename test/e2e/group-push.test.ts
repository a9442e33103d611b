import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Credentials } from '../../src/apps/credentials.js';
import { runCli } from '../helpers/cli.js';
import { startClient } from '../helpers/devices.js';
import { uploadLines } from '../helpers/multipart.js';
import { call, errorCode, startTestServer, type TestServer } from '../helpers/server.js';

interface Group {
  groupKey: string;
  masterSecret: string;
}

const groupAuth = (g: Group, secret = g.masterSecret) => 'Basic ' + Buffer.from(`group-${g.groupKey}:${secret}`).toString('base64');

describe('group push', () => {
  let server: TestServer;
  let other: Credentials;
  let group: Group;
  before(async () => {
    server = await startTestServer({ limits: { requestsPerWindow: 0 } });
    other = await server.createApp('second');
    const made = runCli(['group', 'create', '--name', 'both', '--apps', `${server.app.appKey},${other.appKey}`, '--json', '--data', server.dataDir]);
    assert.equal(made.status, 0, made.stderr);
    group = JSON.parse(made.stdout) as Group;
  });
  after(() => server.close());

  test('one request reaches devices of every app in the group, answered per app', async () => {
    const mine = await startClient(server, server.app, { tags: ['g'] });
    const theirs = await startClient(server, other, { tags: ['g'] });
    try {
      const res = await call(server, 'POST', '/v3/grouppush', {
        auth: groupAuth(group),
        body: { platform: 'all', audience: { tag: ['g'] }, notification: { alert: 'to the group' } },
      });
      assert.equal(res.status, 200, res.text);
      const body = res.body as Record<string, { msg_id: string; sendno: string }> & { group_msgid: string };
      assert.deepEqual(Object.keys(body).sort(), [server.app.appKey, other.appKey, 'group_msgid'].sort());
      assert.match(body.group_msgid, /^[0-9a-f]{20}$/);
      assert.notEqual(body[server.app.appKey]!.msg_id, body[other.appKey]!.msg_id);
      const [a] = await mine.waitForPushes(1, 10_000);
      const [b] = await theirs.waitForPushes(1, 10_000);
      assert.equal(a!.msgId, body[server.app.appKey]!.msg_id);
      assert.equal(b!.msgId, body[other.appKey]!.msg_id);
    } finally {
      await mine.close();
      await theirs.close();
    }
  });

  test("each app answers on its own: one app's error does not stop the other", async () => {
    const res = await call(server, 'POST', '/v3/grouppush', {
      auth: groupAuth(group),
      body: { platform: 'all', audience: { registration_id: [server.devices[0]!.registrationId] }, notification: { alert: 'x' } },
    });
    assert.equal(res.status, 200, res.text);
    const body = res.body as Record<string, { msg_id?: string; error?: { code: number } }>;
    assert.ok(body[server.app.appKey]!.msg_id);
    assert.equal(body[other.appKey]!.error?.code, 1011, 'the other app has no such device');
  });

  test('group file push: a file uploaded by the group resolves within each app', async () => {
    const up = await uploadLines(`${server.url}/v3/files/alias`, groupAuth(group), ['someone']);
    assert.equal(up.status, 200, up.text);
    const fileId = (up.body as { file_id: string }).file_id;
    assert.ok(fileId.startsWith(`group-${group.groupKey}-`));
    // the group's file is the group's: an app of the group does not see it
    assert.equal((await call(server, 'GET', `/v3/files/${fileId}`)).status, 404);
    const push = { platform: 'all', audience: { file: { file_id: fileId } }, notification: { alert: 'file' } };
    const res = await call(server, 'POST', '/v3/grouppush/file', { auth: groupAuth(group), body: push });
    assert.equal(res.status, 200, res.text);
    const body = res.body as Record<string, { msg_id?: string }>;
    assert.ok(body[server.app.appKey]!.msg_id && body[other.appKey]!.msg_id, res.text);
    assert.equal(errorCode(await call(server, 'POST', '/v3/grouppush', { auth: groupAuth(group), body: push })), 1003);
    assert.equal(errorCode(await call(server, 'POST', '/v3/push/file', { body: push })), 1011, "an app cannot push to the group's file");
  });

  test('authentication, unsupported options and bad bodies', async () => {
    const body = { platform: 'all', audience: 'all', notification: { alert: 'x' } };
    const wrong = await call(server, 'POST', '/v3/grouppush', { auth: groupAuth(group, 'nope'), body });
    assert.equal(wrong.status, 401);
    assert.equal(errorCode(wrong), 1004);
    assert.equal((await call(server, 'POST', '/v3/grouppush', { body })).status, 401, 'app credentials are not group credentials');
    assert.equal((await call(server, 'POST', '/v3/grouppush', { auth: groupAuth({ groupKey: 'f'.repeat(24), masterSecret: 'x' }), body })).status, 401);
    const override = await call(server, 'POST', '/v3/grouppush', { auth: groupAuth(group), body: { ...body, options: { override_msg_id: 1 } } });
    assert.equal(errorCode(override), 1003);
    assert.equal(errorCode(await call(server, 'POST', '/v3/grouppush', { auth: groupAuth(group), body: { platform: 'all' } })), 1002);
    assert.equal(errorCode(await call(server, 'POST', '/v3/grouppush/file', { auth: groupAuth(group), body })), 1003);
  });

  test('borealis group list / add-app / remove-app', async () => {
    const list = runCli(['group', 'list', '--json', '--data', server.dataDir]);
    assert.equal(list.status, 0, list.stderr);
    const groups = JSON.parse(list.stdout) as { groupKey: string; apps: string[] }[];
    assert.deepEqual(groups.find((g) => g.groupKey === group.groupKey)?.apps.sort(), [server.app.appKey, other.appKey].sort());
    const removed = runCli(['group', 'remove-app', group.groupKey, '--app', other.appKey, '--data', server.dataDir]);
    assert.equal(removed.status, 0, removed.stderr);
    const res = await call(server, 'POST', '/v3/grouppush', { auth: groupAuth(group), body: { platform: 'all', audience: { tag: ['a'] }, notification: { alert: 'x' } } });
    assert.deepEqual(Object.keys(res.body as object).sort(), [server.app.appKey, 'group_msgid'].sort());
    assert.equal(runCli(['group', 'add-app', group.groupKey, '--app', other.appKey, '--data', server.dataDir]).status, 0);
    assert.equal(runCli(['group', 'add-app', group.groupKey, '--app', 'f'.repeat(24), '--data', server.dataDir]).status, 2, 'unknown app');
    assert.equal(runCli(['group', 'create', '--name', 'x', '--apps', 'nope', '--data', server.dataDir]).status, 2);
  });
});
