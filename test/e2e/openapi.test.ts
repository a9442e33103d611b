import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { OPERATIONS } from '../../src/api/openapi-operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { tags: string[]; parameters?: { name: string; in: string }[]; security: unknown[] }>>;
  components: { schemas: Record<string, unknown> };
};

describe('OpenAPI document and page', () => {
  let server: TestServer;
  let doc: Doc;
  before(async () => {
    server = await startTestServer();
    const res = await fetch(`${server.url}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    doc = (await res.json()) as Doc;
  });
  after(() => server.close());

  test('lists every registered operation, each described, and nothing the server does not serve', () => {
    assert.equal(doc.openapi, '3.1.0');
    const listed = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    const undocumented = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => op.tags.includes('Undocumented'))
        .map(([m]) => `${m} ${path}`),
    );
    assert.deepEqual(undocumented, [], 'routes without a description in src/api/openapi-operations.ts');
    const expected = OPERATIONS.map((op) => `${op.method} ${op.url.replace(/:([a-z_]+)/g, '{$1}')}`);
    assert.deepEqual([...listed].sort(), [...expected].sort());
    // path parameters are declared, and the JPush routes ask for HTTP Basic
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const names = [...path.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]);
        assert.deepEqual(op.parameters?.filter((p) => p.in === 'path').map((p) => p.name) ?? [], names, `${method} ${path}`);
        if (path.startsWith('/v3/')) assert.equal(op.security.length, 1, `${method} ${path}`);
      }
    }
  });

  test('the push schema in the document validates pushes as the server does', async () => {
    const ajv = new Ajv2020({ strict: false, allowUnionTypes: true });
    ajv.addSchema({ $id: 'borealis-openapi', components: doc.components });
    const validate = ajv.getSchema('borealis-openapi#/components/schemas/Push');
    assert.ok(validate);
    const good = { platform: ['android', 'ios'], audience: { tag: ['a'] }, notification: { alert: 'hi', android: { title: 't' }, ios: { badge: '+1' } } };
    assert.equal(validate(good), true, JSON.stringify(validate.errors));
    for (const bad of [{ platform: 'all' }, { platform: 'ios', audience: 'all' }, { platform: 'all', audience: 'all', notification: { android: { alert: 1 } } }]) {
      assert.equal(validate(bad), false, JSON.stringify(bad));
      const res = await fetch(`${server.url}/v3/push/validate`, {
        method: 'POST',
        headers: { authorization: 'Basic ' + Buffer.from(`${server.app.appKey}:${server.app.masterSecret}`).toString('base64') },
        body: JSON.stringify(bad),
      });
      assert.equal(res.status, 400);
    }
  });

  test('/docs is a self-contained page listing the operations', async () => {
    const res = await fetch(`${server.url}/docs`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await res.text();
    for (const op of OPERATIONS) assert.ok(html.includes(`<code>${op.url.replace(/:([a-z_]+)/g, '{$1}')}</code>`), op.url);
    assert.doesNotMatch(html, /<script|https?:\/\//i);
  });
});
