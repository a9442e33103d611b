import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { MAX_PLAINTEXT_BYTES, SubscriptionKeyError, encryptPayload } from '../../src/channels/webpush/encrypt.js';
import { VapidSigner, generateVapidKeys, parseVapidCredentials } from '../../src/channels/webpush/vapid.js';
import { decryptAes128gcm } from '../fakes/webpush-server.js';

// RFC 8291 Appendix A, the worked example
const RFC = {
  plaintext: 'When I grow up, I want to be a watermelon',
  asPrivate: 'yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw',
  uaPrivate: 'q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94',
  uaPublic: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
  auth: 'BTBZMqHH6r4Tts7J_aSIgg',
  salt: 'DGv6ra1nlYgDCS1FRnbzlw',
  body:
    'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
};

function receiver(): { ecdh: ReturnType<typeof createECDH>; p256dh: string; auth: Buffer } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { ecdh, p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16) };
}

describe('Web Push encryption (RFC 8291, aes128gcm)', () => {
  test('reproduces the RFC 8291 worked example byte for byte', () => {
    const sender = createECDH('prime256v1');
    sender.setPrivateKey(Buffer.from(RFC.asPrivate, 'base64url'));
    const body = encryptPayload(Buffer.from(RFC.plaintext), RFC.uaPublic, RFC.auth, { salt: Buffer.from(RFC.salt, 'base64url'), senderKey: sender });
    assert.equal(body.toString('base64url'), RFC.body);
  });

  test("the fake's decryption (the browser's side) reads the RFC example and fresh random messages", () => {
    const ua = createECDH('prime256v1');
    ua.setPrivateKey(Buffer.from(RFC.uaPrivate, 'base64url'));
    assert.equal(decryptAes128gcm(Buffer.from(RFC.body, 'base64url'), ua, Buffer.from(RFC.auth, 'base64url')).toString(), RFC.plaintext);
    const r = receiver();
    for (const size of [0, 1, 100, MAX_PLAINTEXT_BYTES]) {
      const plain = randomBytes(size);
      const body = encryptPayload(plain, r.p256dh, r.auth.toString('base64url'));
      assert.ok(body.length <= 4096);
      assert.deepEqual(decryptAes128gcm(body, r.ecdh, r.auth), plain);
    }
  });

  test('two encryptions of one message differ (fresh salt and sender key); a tampered body fails', () => {
    const r = receiver();
    const a = encryptPayload(Buffer.from('same'), r.p256dh, r.auth.toString('base64url'));
    const b = encryptPayload(Buffer.from('same'), r.p256dh, r.auth.toString('base64url'));
    assert.notDeepEqual(a, b);
    a[a.length - 20]! ^= 1;
    assert.throws(() => decryptAes128gcm(a, r.ecdh, r.auth));
  });

  test('refuses bad subscription keys and oversized payloads', () => {
    const r = receiver();
    const auth = r.auth.toString('base64url');
    assert.throws(() => encryptPayload(Buffer.from('x'), 'short', auth), SubscriptionKeyError);
    assert.throws(() => encryptPayload(Buffer.from('x'), r.p256dh, 'AAAA'), SubscriptionKeyError);
    // 65 bytes with the right prefix but not a point on the curve
    const offCurve = Buffer.alloc(65, 7);
    offCurve[0] = 4;
    assert.throws(() => encryptPayload(Buffer.from('x'), offCurve.toString('base64url'), auth), SubscriptionKeyError);
    assert.throws(() => encryptPayload(Buffer.alloc(MAX_PLAINTEXT_BYTES + 1), r.p256dh, auth), RangeError);
  });
});

describe('VAPID keys and header', () => {
  test('generated keys are raw P-256 in base64url and parse back; mismatched pairs are refused', () => {
    const keys = generateVapidKeys();
    assert.equal(Buffer.from(keys.publicKey, 'base64url').length, 65);
    assert.equal(Buffer.from(keys.privateKey, 'base64url').length, 32);
    const parsed = parseVapidCredentials({ ...keys, subject: 'mailto:ops@example.com' });
    assert.equal(typeof parsed, 'object');
    const other = generateVapidKeys();
    assert.match(String(parseVapidCredentials({ publicKey: keys.publicKey, privateKey: other.privateKey, subject: 'mailto:a@b.c' })), /does not belong/);
    assert.match(String(parseVapidCredentials({ ...keys, subject: 'ops@example.com' })), /subject/);
    assert.match(String(parseVapidCredentials({ ...keys, publicKey: 'AAAA', subject: 'mailto:a@b.c' })), /65-byte/);
    assert.match(String(parseVapidCredentials({ subject: 'mailto:a@b.c' })), /required/);
  });

  test('the header carries an ES256 JWT for the origin and the public key, reused per origin', async () => {
    const keys = generateVapidKeys();
    const parsed = parseVapidCredentials({ ...keys, subject: 'https://example.com/contact' });
    assert.ok(typeof parsed === 'object');
    const signer = new VapidSigner();
    const h1 = await signer.authorization(parsed, 'https://push.example.net');
    const h2 = await signer.authorization(parsed, 'https://push.example.net');
    const h3 = await signer.authorization(parsed, 'https://other.example.org');
    assert.equal(h1, h2);
    assert.notEqual(h1, h3);
    const m = /^vapid t=([^.]+)\.([^.]+)\.([^,]+), k=(.+)$/.exec(h1);
    assert.ok(m, h1);
    assert.deepEqual(JSON.parse(Buffer.from(m[1]!, 'base64url').toString()), { typ: 'JWT', alg: 'ES256' });
    const claims = JSON.parse(Buffer.from(m[2]!, 'base64url').toString()) as { aud: string; exp: number; sub: string };
    assert.equal(claims.aud, 'https://push.example.net');
    assert.equal(claims.sub, 'https://example.com/contact');
    const now = Date.now() / 1000;
    assert.ok(claims.exp > now + 3600 && claims.exp <= now + 24 * 3600);
    assert.equal(m[4], keys.publicKey);
  });
});
