import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoaringBitmap32 } from '../../src/audience/audience-index.js';
import { loadSealingKey, seal, unseal } from '../../src/channels/sealing.js';
import { sliceRanges } from '../../src/relay/slices.js';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('slices cover every target once, at most `size` each', () => {
  const targets = RoaringBitmap32.from([0, 1, 2, 5, 9, 10, 11, 40, 41, 100_000]);
  const ranges = sliceRanges(targets, 3);
  assert.equal(ranges.length, 4);
  const seen: number[] = [];
  for (const [lo, hi] of ranges) {
    const part = RoaringBitmap32.and(targets, RoaringBitmap32.fromRange(lo, hi)).toArray();
    assert.ok(part.length <= 3 && part.length > 0);
    seen.push(...part);
  }
  assert.deepEqual(seen, targets.toArray());
  assert.deepEqual(sliceRanges(new RoaringBitmap32(), 3), []);
  // a million consecutive devices are a thousand slices
  assert.equal(sliceRanges(RoaringBitmap32.fromRange(0, 1_000_000), 1000).length, 1000);
});

test('sealed credentials open only with the key, app and channel they were sealed for', () => {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-seal-'));
  const key = loadSealingKey('', dir, {});
  assert.equal(statSync(join(dir, 'credentials.key')).mode & 0o777, 0o600);
  assert.deepEqual(loadSealingKey('', dir, {}), key, 'the generated key is reused');
  const sealed = seal(key, 'app1', 'apns', { secret: 's' });
  assert.equal(sealed.includes(Buffer.from('"s"')), false);
  assert.deepEqual(unseal(key, 'app1', 'apns', sealed), { secret: 's' });
  assert.throws(() => unseal(key, 'app2', 'apns', sealed), /do not open/);
  assert.throws(() => unseal(key, 'app1', 'fcm', sealed), /do not open/);
  assert.throws(() => unseal(loadSealingKey('ab'.repeat(32), dir, {}), 'app1', 'apns', sealed), /do not open/);
  const tampered = Buffer.from(sealed);
  tampered[tampered.length - 1]! ^= 1;
  assert.throws(() => unseal(key, 'app1', 'apns', tampered), /do not open/);
  assert.throws(() => loadSealingKey('short', dir, {}), /32 bytes/);
  assert.deepEqual(loadSealingKey('', dir, { BOREALIS_CREDENTIALS_KEY: 'cd'.repeat(32) }), Buffer.from('cd'.repeat(32), 'hex'));
});
