import Fastify from 'fastify';

/**
 * The framework's own floor for push-accept: a bare Fastify app in its own process with a GET
 * and a POST route that do nothing (the POST parses the JSON body, as every framework route
 * does). It shows what HTTP alone costs for a request carrying a push body.
 */
const app = Fastify({ logger: false });
app.get('/get', async () => ({ status: 'ok' }));
app.post('/post', async (request) => ({ sendno: '0', msg_id: String(Object.keys(request.body as object).length) }));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.send!({ ev: 'listening', url: address });
process.on('disconnect', () => void app.close().then(() => process.exit(0)));
