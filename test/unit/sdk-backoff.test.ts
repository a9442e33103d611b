import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelay, DEFAULT_BACKOFF } from '../../sdk/src/index.js';

const options = { minDelayMs: 100, maxDelayMs: 5000 };

describe('SDK: reconnection backoff', () => {
  test('the ceiling doubles per attempt up to the maximum', () => {
    const top = () => 0.999999;
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 10, 100].map((a) => backoffDelay(a, options, top) + 1);
    assert.deepEqual(ceilings, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  test('full jitter: delays spread over [0, ceiling)', () => {
    assert.equal(backoffDelay(3, options, () => 0), 0);
    assert.equal(backoffDelay(3, options, () => 0.5), 400);
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** attempt);
      const delays = Array.from({ length: 500 }, () => backoffDelay(attempt, options));
      for (const d of delays) assert.ok(Number.isInteger(d) && d >= 0 && d < ceiling, `attempt ${attempt}: ${d}`);
      // spread, not clustered at one value
      assert.ok(new Set(delays).size > Math.min(ceiling, 500) / 4);
      assert.ok(Math.min(...delays) < ceiling / 4 && Math.max(...delays) > (ceiling * 3) / 4);
    }
  });

  test('defaults and odd attempts stay bounded', () => {
    assert.ok(backoffDelay(0) < DEFAULT_BACKOFF.minDelayMs);
    assert.ok(backoffDelay(1e9) < DEFAULT_BACKOFF.maxDelayMs);
    assert.ok(backoffDelay(-5, options) < options.minDelayMs);
  });
});
