import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { wireTextFrame } from '../../src/gateway/frames.js';
import { ackDelayFor } from '../../src/delivery/fanout-pace.js';

/** ws's frame parser; exported by the package, missing from its type declarations. */
const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver: new (options: { isServer: boolean }) => Writable };

/** What a WebSocket client's parser makes of the bytes (ws's own Receiver, client side). */
function parse(bytes: Buffer): Promise<{ text: string; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    const receiver = new Receiver({ isServer: false });
    receiver.on('message', (data: Buffer, isBinary: boolean) => resolve({ text: data.toString(), isBinary }));
    receiver.on('error', reject);
    receiver.write(bytes);
  });
}

describe('gateway: whole wire frames written once for many sockets', () => {
  for (const length of [0, 5, 125, 126, 200, 65_535, 65_536, 70_000]) {
    test(`a ${length}-byte payload parses back as one text message`, async () => {
      const payload = Buffer.from('x'.repeat(length));
      const frame = wireTextFrame(payload);
      assert.equal(frame.length - payload.length, length < 126 ? 2 : length < 65_536 ? 4 : 10);
      const got = await parse(frame);
      assert.equal(got.isBinary, false);
      assert.equal(got.text, payload.toString());
    });
  }
});

describe('delivery: the ack delay a fan-out asks for', () => {
  test('none up to one slice of connections, then 50 µs a connection, at most 10 s', () => {
    assert.equal(ackDelayFor(1), 0);
    assert.equal(ackDelayFor(1000), 0);
    assert.equal(ackDelayFor(1001), 51);
    assert.equal(ackDelayFor(19_500), 975);
    assert.equal(ackDelayFor(10_000_000), 10_000);
  });
});
