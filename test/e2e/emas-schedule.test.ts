import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emasClient, popTimestamp } from '../helpers/emas.js';
import { startTestServer } from '../helpers/server.js';

test('a scheduled EMAS push survives a restart and is sent at its time under its MessageId', async () => {
  const server = await startTestServer();
  try {
    const e = await emasClient(server);
    const rid = server.devices[0]!.registrationId;
    const pushTime = Date.now() + 3000;
    const answer = await e.call('Push', {
      PushType: 'NOTICE', DeviceType: 'ANDROID', Target: 'DEVICE', TargetValue: rid, Title: 't', Body: 'after the restart',
      PushTime: popTimestamp(pushTime), StoreOffline: true,
    });
    const id = String(answer.MessageId);
    await server.restart();
    assert.equal(await server.node.ctx.store.pushes.get(id), undefined, 'not sent before its time');
    const deadline = Date.now() + 15_000;
    for (;;) {
      const stored = await server.node.ctx.store.pushes.get(id);
      if (stored) {
        assert.ok(stored.createdAt >= Math.floor(pushTime / 1000) * 1000, 'sent at PushTime, not before');
        assert.equal(stored.source, 'emas');
        assert.deepEqual(stored.audience, { registrationId: [rid] });
        break;
      }
      assert.ok(Date.now() < deadline, 'the scheduled push was never sent');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await server.node.ctx.store.emas.deferred(id))?.state, 'fired');
  } finally {
    await server.close();
  }
});
