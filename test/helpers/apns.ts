import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, type Config } from '../../src/config.js';
import { FakeApns } from '../fakes/apns-server.js';
import { makeCertificate } from './tls.js';

/** A .p8-style signing key: the PKCS#8 PEM an app uploads, the SPKI PEM Apple keeps. */
export function makeSigningKey(): { p8: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    p8: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** A fake APNs with a fresh TLS certificate, and the channel settings that point at it. */
export async function startFakeApns(topics: string[]): Promise<{ fake: FakeApns; channels: Config['channels']; caFile: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'borealis-apns-'));
  const tls = makeCertificate(dir, ['127.0.0.1']);
  const fake = await FakeApns.start(tls, topics);
  const channels: Config['channels'] = {
    ...DEFAULT_CONFIG.channels,
    caFile: tls.cert,
    apns: { ...DEFAULT_CONFIG.channels.apns, endpoint: fake.origin, sandboxEndpoint: fake.origin, timeoutMs: 5000 },
    relay: { ...DEFAULT_CONFIG.channels.relay, pollMs: 50, retryBaseMs: 100, retryMaxMs: 400 },
  };
  return { fake, channels, caFile: tls.cert };
}

/** A random APNs device token: 32 bytes of hex. */
export function apnsToken(): string {
  return Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
}

/** Waits until `check` holds (generous: the machine may be loaded). */
export async function until(check: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
