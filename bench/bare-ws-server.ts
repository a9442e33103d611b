import { WebSocketServer } from 'ws';

/**
 * The ceiling for fan-out: a bare `ws` server in its own process that, when the parent says so,
 * sends the given frame to every connected client. No auth, no store, no bookkeeping; the
 * clients' acks are read and dropped.
 */
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 4096 });
wss.on('connection', (ws) => {
  ws.on('message', () => {});
  ws.on('error', () => {});
});
wss.on('listening', () => {
  const address = wss.address();
  process.send!({ ev: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (m: { cmd: 'broadcast'; frame: string }) => {
  if (m.cmd !== 'broadcast') return;
  const frame = Buffer.from(m.frame);
  for (const ws of wss.clients) ws.send(frame, { binary: false });
});
process.on('disconnect', () => process.exit(0));
