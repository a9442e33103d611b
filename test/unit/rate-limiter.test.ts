import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from '../../src/limits/rate-limiter.js';

test('counts per key within a window, then resets', () => {
  let now = 1_000_000;
  const rl = new RateLimiter(() => now);
  assert.deepEqual(rl.hit('a', 2, 60), { allowed: true, limit: 2, remaining: 1, resetSeconds: 20 });
  assert.equal(rl.hit('a', 2, 60).remaining, 0);
  assert.equal(rl.hit('a', 2, 60).allowed, false);
  assert.equal(rl.hit('b', 2, 60).allowed, true);
  now += 20_000;
  assert.deepEqual(rl.hit('a', 2, 60), { allowed: true, limit: 2, remaining: 1, resetSeconds: 60 });
});

test('limit 0 is unlimited', () => {
  const rl = new RateLimiter(() => 0);
  for (let i = 0; i < 1000; i++) assert.equal(rl.hit('a', 0, 60).allowed, true);
});
