import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoaringBitmap32 } from '../../src/audience/audience-index.js';
import { decodeSnapshot, encodeSnapshot, SnapshotFormatError, type AppBitmaps } from '../../src/audience/index-snapshot.js';

function app(all: number[], platforms: [string, number[]][], tags: [string, number[]][]): AppBitmaps {
  return {
    all: new RoaringBitmap32(all),
    platforms: new Map(platforms.map(([p, n]) => [p as 'android', new RoaringBitmap32(n)])),
    tags: new Map(tags.map(([t, n]) => [t, new RoaringBitmap32(n)])),
  };
}

const plain = (apps: Map<string, AppBitmaps>) =>
  [...apps].map(([k, a]) => [k, a.all.toArray(), [...a.platforms].map(([p, b]) => [p, b.toArray()]), [...a.tags].map(([t, b]) => [t, b.toArray()])]);

test('an index snapshot decodes to the bitmaps it was encoded from', () => {
  const big = Array.from({ length: 100_000 }, (_, i) => i * 3);
  const apps = new Map([
    ['appA', app(big, [['android', big.filter((n) => n % 2 === 0)], ['ios', big.filter((n) => n % 2 === 1)]], [['news', [3, 6, 9]], ['名前', [0]]])],
    ['appB', app([], [], [])],
  ]);
  assert.deepEqual(plain(decodeSnapshot(encodeSnapshot(apps))), plain(apps));
  assert.deepEqual(plain(decodeSnapshot(encodeSnapshot(new Map()))), []);
});

test('a truncated, altered or foreign snapshot is refused before any bitmap is read', () => {
  const data = encodeSnapshot(new Map([['appA', app([1, 2, 3], [['web', [1, 2, 3]]], [['t', [2]]])]]));
  const altered = Buffer.from(data);
  altered[altered.length - 1]! ^= 1;
  const wrongFormat = Buffer.from(data);
  wrongFormat.writeUInt32LE(99, 4);
  for (const bad of [data.subarray(0, data.length - 1), data.subarray(0, 10), altered, wrongFormat, Buffer.from('hello'), Buffer.alloc(0)]) {
    assert.throws(() => decodeSnapshot(bad), SnapshotFormatError);
  }
});
