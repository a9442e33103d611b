import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { normalizeCallbackUrl } from '../../src/receipts/callbacks.js';
import { call, errorCode, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Every complete request example of the specification, sent over HTTP to the validate and push
 * endpoints. Devices carry the tags and aliases the examples use, so most of them are accepted;
 * an example whose audience names what cannot exist here (a file id, a literal registration id,
 * a live activity id no device registered) or whose content only APNs can carry (live activities) may only fail
 * with 1011 ("no target"), never with a validation error.
 */
const dir = join(import.meta.dirname, '..', 'fixtures', 'spec-examples');
const examples = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f, body: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown> }));

function audienceNames(body: Record<string, unknown>): { tags: Set<string>; aliases: Set<string> } {
  const tags = new Set<string>();
  const aliases = new Set<string>();
  const a = body.audience as Record<string, string[]> | string | undefined;
  if (a && typeof a === 'object') {
    for (const k of ['tag', 'tag_and']) for (const t of a[k] ?? []) tags.add(t);
    for (const al of a.alias ?? []) aliases.add(al);
  }
  return { tags, aliases };
}

describe('the specification examples over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { broadcastsPerDay: 0 } });
    const tags = new Set<string>();
    const aliases = new Set<string>();
    for (const e of examples) {
      const n = audienceNames(e.body);
      n.tags.forEach((t) => tags.add(t));
      n.aliases.forEach((a) => aliases.add(a));
    }
    // callback URLs must be registered by the app before a push may name them (1018 otherwise)
    for (const e of examples) {
      const url = (e.body.callback as { url?: string } | undefined)?.url;
      const normalized = url && normalizeCallbackUrl(url);
      if (normalized) await server.node.ctx.store.callbacks.addUrl(server.app.appKey, normalized, { isDefault: false }, Date.now());
    }
    for (const platform of ['android', 'ios', 'hmos', 'quickapp']) {
      await server.registerDevice(server.app, { platform, tags: [...tags] });
      for (const alias of aliases) await server.registerDevice(server.app, { platform, alias });
    }
  });
  after(() => server.close());

  test('there are examples from each document', () => {
    for (const doc of ['000', '001', '003']) assert.ok(examples.some((e) => e.name.startsWith(doc)), doc);
  });

  for (const e of examples) {
    test(`${e.name} validates`, async () => {
      let accepted = 0;
      for (const path of ['/v3/push/validate', '/v3/push']) {
        const res = await call(server, 'POST', path, { body: { ...e.body, cid: undefined } });
        if (res.status === 200) {
          accepted++;
          assert.match((res.body as { msg_id: string }).msg_id, /^[0-9]+$/);
        } else {
          assert.equal(errorCode(res), 1011, `${path}: ${res.text}`);
        }
      }
      const a = e.body.audience as Record<string, unknown> | string;
      // live activities travel through APNs only, to devices holding APNs tokens, which these have not
      const resolvable = !('live_activity' in e.body) && (a === 'all' || (typeof a === 'object' && !('file' in a) && !('registration_id' in a) && !('live_activity_id' in a) && !('segment' in a) && !('abtest' in a)));
      if (resolvable) assert.equal(accepted, 2, `${e.name} should reach the devices registered for it`);
    });
  }
});
