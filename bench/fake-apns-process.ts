// The fake APNs in its own process for the relay benchmark, so Borealis and the bare client
// loop talk to the same server with the same cost. Forked with IPC: answers {count} messages.
import { makeSigningKey } from '../test/helpers/apns.js';
import { FakeApns } from '../test/fakes/apns-server.js';

const [certFile, keyFile, topic] = process.argv.slice(2) as [string, string, string];
const fake = await FakeApns.start({ cert: certFile, key: keyFile }, [topic]);
fake.recordBodies = false;
const key = makeSigningKey();
fake.addKey({ keyId: 'BENCHKEY01', teamId: 'BENCHTEAM1', publicKey: key.publicKey });
process.send!({ origin: fake.origin, p8: key.p8, keyId: 'BENCHKEY01', teamId: 'BENCHTEAM1' });
process.on('disconnect', () => process.exit(0));
process.on('message', (m: { ask?: string }) => {
  if (m.ask === 'count') process.send!({ count: fake.accepted });
  if (m.ask === 'stop') void fake.close().then(() => process.exit(0));
});
