import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { toApiError } from '../../src/api/http/errors.js';

test('Fastify route schema errors become 1002 / 1003 in words, not Ajv phrases', async () => {
  const app = Fastify();
  app.setErrorHandler((err, _request, reply) => {
    const apiError = toApiError(err as Error, 1024);
    return reply.status(apiError.status).send(apiError.toBody());
  });
  app.post(
    '/x',
    {
      schema: {
        querystring: { type: 'object', properties: { count: { type: 'integer', minimum: 1, maximum: 10 } } },
        body: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', minLength: 1 }, kind: { enum: ['a', 'b'] }, size: { type: 'integer', minimum: 0 } },
        },
      },
    },
    async () => ({ ok: true }),
  );
  const send = async (url: string, body: unknown) => {
    const res = await app.inject({ method: 'POST', url, payload: body as object });
    return { status: res.statusCode, body: res.json() as { error: { code: number; message: string } } };
  };
  assert.deepEqual(await send('/x', {}), { status: 400, body: { error: { code: 1002, message: 'name is required' } } });
  assert.deepEqual((await send('/x', { name: 'n', kind: 'c' })).body.error, { code: 1003, message: 'kind must be one of "a", "b"' });
  assert.deepEqual((await send('/x', { name: 'n', size: -1 })).body.error, { code: 1003, message: 'size must be at least 0' });
  assert.deepEqual((await send('/x', { name: { a: 1 } })).body.error, { code: 1003, message: 'name must be a string' });
  assert.deepEqual((await send('/x?count=99', { name: 'n' })).body.error, { code: 1003, message: 'count must be at most 10' });
  assert.equal((await send('/x?count=2', { name: 'n' })).status, 200);
  await app.close();
});
