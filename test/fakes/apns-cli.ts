// A local stand-in for Apple's push service, for trying Borealis's APNs relay by hand:
//   node --import tsx test/fakes/apns-cli.ts [--dir DIR] [--topic BUNDLE_ID]
// It writes into DIR a signing key (key.p8), the fake's certificate (ca.pem) and a Borealis
// config pointing at it (config.json), then prints every push it receives, one JSON line each.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeSigningKey } from '../helpers/apns.js';
import { makeCertificate } from '../helpers/tls.js';
import { FakeApns } from './apns-server.js';

const { values } = parseArgs({ options: { dir: { type: 'string' }, topic: { type: 'string' } } });
const dir = resolve(values.dir ?? 'fake-apns');
const topic = values.topic ?? 'com.example.app';
const KEY_ID = 'FAKEKEY001';
const TEAM_ID = 'FAKETEAM01';

mkdirSync(dir, { recursive: true });
const tls = makeCertificate(dir, ['127.0.0.1']);
const key = makeSigningKey();
writeFileSync(resolve(dir, 'key.p8'), key.p8, { mode: 0o600 });
const fake = await FakeApns.start(tls, [topic]);
fake.addKey({ keyId: KEY_ID, teamId: TEAM_ID, publicKey: key.publicKey });
const config = { channels: { caFile: tls.cert, apns: { endpoint: fake.origin, sandboxEndpoint: fake.origin } } };
writeFileSync(resolve(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');

console.error(`fake APNs on ${fake.origin}, topic ${topic}
  server config:  ${resolve(dir, 'config.json')}
  credentials:    borealis app channel APP_KEY apns --p8 ${resolve(dir, 'key.p8')} --key-id ${KEY_ID} --team-id ${TEAM_ID} --topic ${topic}
Each push it accepts is printed below; Ctrl-C to stop.`);

let shown = 0;
setInterval(() => {
  for (; shown < fake.received.length; shown++) {
    const r = fake.received[shown]!;
    console.log(JSON.stringify({ token: r.token, push_type: r.headers['apns-push-type'], topic: r.headers['apns-topic'], payload: JSON.parse(r.payload) as unknown }));
  }
}, 100);
process.on('SIGINT', () => void fake.close().then(() => process.exit(0)));
