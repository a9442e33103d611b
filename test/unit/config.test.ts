import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../src/config.js';

test('defaults: loopback, 8080, SQLite in ./data', () => {
  const c = loadConfig({}, {});
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8080);
  assert.equal(c.dataDir, 'data');
  assert.deepEqual(c.limits, DEFAULT_CONFIG.limits);
});

test('file, then environment, then flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-config-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ port: 9000, host: '0.0.0.0', limits: { broadcastsPerDay: 50 } }));
  const c = loadConfig({ configFile: file, port: '9100' }, { BOREALIS_HOST: '::1', BOREALIS_PORT: '9050' });
  assert.equal(c.port, 9100);
  assert.equal(c.host, '::1');
  assert.equal(c.limits.broadcastsPerDay, 50);
  assert.equal(c.limits.requestsPerWindow, DEFAULT_CONFIG.limits.requestsPerWindow);
});

test('unknown keys, wrong types and bad values are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-config-'));
  const cases: unknown[] = [
    { prot: 1 },
    { port: '80' },
    { limits: { bodyBytes: -1 } },
    { store: { synchronous: 'maybe' } },
    { store: { url: 'mysql://db/x' } },
    { store: { url: 'postgres://' } },
    { store: { poolSize: 0 } },
    { store: { poolSize: 2.5 } },
    { tls: { cert: 1 } },
    { listenBacklog: 0 },
    { delivery: { residentSeconds: -1 } },
    { retention: { pushSeconds: 0 } },
    { retention: { batchRows: 1.5 } },
    { retention: { forever: true } },
    { http: { requestTimeoutMs: 50 } },
    { http: { headersTimeoutMs: 40_000 } },
    { http: { idleTimeout: 1000 } },
    { limits: { registrationsPerAddress: 1.5 } },
    { memory: { heapGrowthPercent: -1 } },
    { memory: { heapGrowthPercent: 12.5 } },
    { memory: { heapGrowthPercent: 1001 } },
    [],
  ];
  for (const [i, body] of cases.entries()) {
    const file = join(dir, `c${i}.json`);
    writeFileSync(file, JSON.stringify(body));
    assert.throws(() => loadConfig({ configFile: file }, {}), ConfigError, JSON.stringify(body));
  }
  assert.throws(() => loadConfig({ port: 'x' }, {}), ConfigError);
  assert.throws(() => loadConfig({ configFile: join(dir, 'missing.json') }, {}), ConfigError);
});

test('store: SQLite unless a PostgreSQL URL is given, by file or environment', () => {
  assert.equal(loadConfig({}, {}).store.url, '');
  assert.equal(loadConfig({}, {}).store.poolSize, 10);
  const dir = mkdtempSync(join(tmpdir(), 'borealis-config-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ store: { url: 'postgres://u:p@db:5432/borealis', poolSize: 4 } }));
  const fromFile = loadConfig({ configFile: file }, {});
  assert.equal(fromFile.store.url, 'postgres://u:p@db:5432/borealis');
  assert.equal(fromFile.store.poolSize, 4);
  assert.equal(loadConfig({ configFile: file }, { BOREALIS_STORE_URL: 'postgresql://other/db' }).store.url, 'postgresql://other/db');
  assert.equal(loadConfig({ configFile: file }, { BOREALIS_STORE_URL: '' }).store.url, '');
  assert.throws(() => loadConfig({}, { BOREALIS_STORE_URL: 'redis://x' }), ConfigError);
});

test('http timeouts and the per-address registration limit: defaults and overrides', () => {
  assert.deepEqual(loadConfig({}, {}).http, { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 120_000, keepAliveTimeoutMs: 72_000 });
  assert.equal(loadConfig({}, {}).limits.registrationsPerAddress, 1000);
  const dir = mkdtempSync(join(tmpdir(), 'borealis-config-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ http: { requestTimeoutMs: 60_000 }, limits: { registrationsPerAddress: 0 } }));
  const c = loadConfig({ configFile: file }, {});
  assert.equal(c.http.requestTimeoutMs, 60_000);
  assert.equal(c.http.headersTimeoutMs, 10_000);
  assert.equal(c.limits.registrationsPerAddress, 0);
});

test('messaging channels: endpoints are origins (Alipay: a gateway URL), timeouts and concurrency positive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-config-'));
  const file = join(dir, 'ok.json');
  writeFileSync(file, JSON.stringify({ messaging: { wechatoa: { endpoint: 'http://127.0.0.1:9000' }, alipay_life: { endpoint: 'https://openapi-sandbox.dl.alipaydev.com/gateway.do', timeoutMs: 5000 } } }));
  const c = loadConfig({ configFile: file }, {});
  assert.equal(c.messaging.wechatoa.endpoint, 'http://127.0.0.1:9000');
  assert.equal(c.messaging.wechatoa.timeoutMs, DEFAULT_CONFIG.messaging.wechatoa.timeoutMs);
  assert.equal(c.messaging.alipay_life.timeoutMs, 5000);
  assert.equal(c.messaging.wechatwk.endpoint, 'https://qyapi.weixin.qq.com');
  const bad: unknown[] = [
    { messaging: { wechatoa: { endpoint: 'https://api.weixin.qq.com/cgi-bin' } } },
    { messaging: { dingtalk_cc: { endpoint: 'oapi.dingtalk.com' } } },
    { messaging: { alipay_life: { endpoint: 'ftp://x/gateway.do' } } },
    { messaging: { wechatwk: { timeoutMs: 0 } } },
    { messaging: { wechatmp: { concurrency: 1.5 } } },
    { messaging: { telegram: {} } },
  ];
  for (const [i, patch] of bad.entries()) {
    const f = join(dir, `bad-${i}.json`);
    writeFileSync(f, JSON.stringify(patch));
    assert.throws(() => loadConfig({ configFile: f }, {}), ConfigError, JSON.stringify(patch));
  }
});
