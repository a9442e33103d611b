/**
 * Guard: every route the HTTP server registers is reached by the fuzz tests. The templates of
 * helpers/fuzz-targets.ts (which fuzz.test.ts and fuzz-apis.test.ts send thousands of times)
 * are each sent here a few times; the router's own record of which route answered each
 * request (the route label of borealis_http_requests_total) is compared with the list of
 * registered routes. A route added without a fuzz template fails this test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { registeredRoutes } from '../../src/api/http/route-list.js';
import { apiFuzzTemplates, PUSH_FUZZ_PATHS } from '../helpers/fuzz-targets.js';
import { mulberry32 } from '../helpers/prng.js';
import { basic, startTestServer, type TestServer } from '../helpers/server.js';

/** Routes whose input is not HTTP requests a fuzzer could send (none today). */
const NOT_FUZZABLE = new Set<string>();

describe('fuzz coverage of the registered routes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ limits: { requestsPerWindow: 0, registrationsPerWindow: 0, registrationsPerAddress: 0 } });
  });
  after(() => server.close());

  async function reachedRoutes(): Promise<Set<string>> {
    const metric = await server.node.ctx.metrics.httpRequests.get();
    return new Set(metric.values.map((v) => String(v.labels.route)));
  }

  test('every registered route is reached by a fuzz template', async () => {
    const rnd = mulberry32(11);
    const auth = basic(server.app);
    const requests: [string, string, string | undefined][] = [];
    for (const path of PUSH_FUZZ_PATHS) requests.push(['POST', path, '{"platform":"all"}']);
    const templates = apiFuzzTemplates(rnd, server.devices[0]!.registrationId);
    for (const [method, path] of templates) {
      // several draws: a template's random segments decide which of the overlapping routes answers
      for (let i = 0; i < 12; i++) requests.push([method, path(), method === 'POST' ? '{}' : undefined]);
    }
    for (let i = 0; i < requests.length; i += 16) {
      await Promise.all(
        requests.slice(i, i + 16).map(async ([method, url, body]) => {
          const res = await fetch(server.url + url, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body });
          await res.arrayBuffer();
        }),
      );
    }

    const reached = await reachedRoutes();
    const registered = new Map<string, Set<string>>();
    for (const { method, url } of registeredRoutes(server.node.http)) {
      if (method === 'HEAD' || NOT_FUZZABLE.has(url)) continue;
      registered.set(url, (registered.get(url) ?? new Set()).add(method));
    }
    assert.ok(registered.size >= 10, `the route list looks empty: ${[...registered.keys()].join(', ')}`);
    const missing = [...registered].filter(([url]) => !reached.has(url)).map(([url, methods]) => `${[...methods].join('/')} ${url}`);
    assert.deepEqual(
      missing,
      [],
      `routes without fuzz coverage:\n  ${missing.join('\n  ')}\n` +
        'Add a request template for each to apiFuzzTemplates in test/helpers/fuzz-targets.ts ' +
        '(or, for an endpoint taking a push object, its path to PUSH_FUZZ_PATHS), so fuzz-apis.test.ts ' +
        'sends it hostile input.',
    );
  });
});
