import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BorealisClient, fileState, loadState, normalizeState, saveState, type ClientState, type FetchLike, type WebSocketConstructor } from '../../sdk/src/node.js';

const unusedSocket = class {
  constructor() {
    throw new Error('no connection expected');
  }
} as unknown as WebSocketConstructor;

/** A fetch that answers registrations like the server does. */
function registrar(answer: Record<string, unknown>): FetchLike & { bodies: unknown[] } {
  const bodies: unknown[] = [];
  const fn = async (_url: string, init: { body: string }) => {
    bodies.push(JSON.parse(init.body));
    return { status: 200, ok: true, text: async () => JSON.stringify(answer) };
  };
  return Object.assign(fn, { bodies });
}

describe('SDK: persistable state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-sdk-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('normalizeState keeps what is well formed', () => {
    assert.deepEqual(normalizeState(null), { registrationId: null, deviceSecret: null, seen: [] });
    assert.deepEqual(normalizeState('x'), { registrationId: null, deviceSecret: null, seen: [] });
    assert.deepEqual(normalizeState({ registrationId: 'r', deviceSecret: 5, seen: ['1', 2, '3'], extra: true }), {
      registrationId: 'r',
      deviceSecret: null,
      seen: ['1', '3'],
    });
  });

  test('a client restored from its state has the same credentials and seen ids', async () => {
    const changes: ClientState[] = [];
    const fetch = registrar({ registration_id: 'rid1', device_secret: 'secret1' });
    const a = new BorealisClient({ server: 'http://x', appKey: 'k', platform: 'web', WebSocket: unusedSocket, fetch, onStateChange: (s) => changes.push(s) });
    assert.equal(await a.register(), 'rid1');
    assert.deepEqual(changes, [{ registrationId: 'rid1', deviceSecret: 'secret1', seen: [] }]);
    assert.deepEqual(fetch.bodies, [{ app_key: 'k', platform: 'web' }]);

    const saved = JSON.parse(JSON.stringify({ ...a.state, seen: ['7', '8'] })) as ClientState;
    const update = registrar({ registration_id: 'rid1' });
    const b = new BorealisClient({ server: 'http://x/', appKey: 'k', platform: 'web', WebSocket: unusedSocket, fetch: update, state: saved, tokens: { fcm: 't' } });
    assert.deepEqual(b.state, { registrationId: 'rid1', deviceSecret: 'secret1', seen: ['7', '8'] });
    await b.register();
    assert.deepEqual(update.bodies, [{ app_key: 'k', platform: 'web', tokens: { fcm: 't' }, registration_id: 'rid1', device_secret: 'secret1' }]);
    assert.equal(b.state.deviceSecret, 'secret1', 'an update without a new secret keeps the old one');
  });

  test('the state file helpers round-trip and write privately', () => {
    const path = join(dir, 'device.json');
    assert.equal(loadState(path), undefined);
    const state: ClientState = { registrationId: 'r', deviceSecret: 's', seen: ['1', '2'] };
    saveState(path, state);
    assert.deepEqual(loadState(path), state);
    assert.equal(statSync(path).mode & 0o077, 0, 'the file holds a secret');
    const options = fileState(path);
    assert.deepEqual(options.state, state);
    options.onStateChange?.({ ...state, seen: ['3'] });
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { ...state, seen: ['3'] });
    writeFileSync(path, '{"registrationId":7}');
    assert.deepEqual(loadState(path), { registrationId: null, deviceSecret: null, seen: [] });
  });
});
