import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NonceCache } from '../../src/api/emas/nonce-cache.js';
import { parseUtcTime } from '../../src/api/emas/params.js';
import { parseTagExpression } from '../../src/api/emas/push-translate.js';
import { canonicalQuery, percentEncode, sign, signatureMatches, stringToSign } from '../../src/api/emas/signature.js';
import { EmasError } from '../../src/api/emas/errors.js';

describe('EMAS RPC signature v1', () => {
  test('the worked example of the specification', () => {
    const params = new Map(
      Object.entries({
        AccessKeyId: 'testid',
        Action: 'Push',
        AppKey: '23267207',
        Body: 'a*b~c+d',
        DeviceType: 'ALL',
        Format: 'JSON',
        PushType: 'NOTICE',
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
        SignatureVersion: '1.0',
        Target: 'ALL',
        TargetValue: 'ALL',
        Timestamp: '2016-02-23T12:46:24Z',
        Title: 'hello world',
        Version: '2016-08-01',
      }),
    );
    const text = stringToSign('POST', params);
    assert.equal(
      text,
      'POST&%2F&AccessKeyId%3Dtestid%26Action%3DPush%26AppKey%3D23267207%26Body%3Da%252Ab~c%252Bd%26DeviceType%3DALL%26Format%3DJSON%26PushType%3DNOTICE%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Target%3DALL%26TargetValue%3DALL%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Title%3Dhello%2520world%26Version%3D2016-08-01',
    );
    assert.equal(sign('testsecret', text), 'm7haiwG7ncu2zTJWNNIDDsLDOQM=');
  });

  test('percent-encoding keeps only A-Z a-z 0-9 - _ . ~, space is %20, UTF-8 bytes in upper-case hex', () => {
    assert.equal(percentEncode("a b+c*d~e!f'g(h)i"), 'a%20b%2Bc%2Ad~e%21f%27g%28h%29i');
    assert.equal(percentEncode('深'), '%E6%B7%B1');
    assert.equal(percentEncode('-_.~'), '-_.~');
  });

  test('names sort by bytes, Signature is left out', () => {
    const q = canonicalQuery(new Map([['b', '1'], ['B', '2'], ['a', '3'], ['Signature', 'x']]));
    assert.equal(q, 'B=2&a=3&b=1');
    // U+FF41 sorts before U+1F600 by UTF-8 bytes (EF.. < F0..), after it by UTF-16 units
    assert.equal(canonicalQuery(new Map([['\u{1F600}', '1'], ['\uFF41', '2']])), '%EF%BD%81=2&%F0%9F%98%80=1');
  });

  test('signatures compare in constant time and only when equal', () => {
    assert.equal(signatureMatches('abc=', 'abc='), true);
    assert.equal(signatureMatches('abc=', 'abd='), false);
    assert.equal(signatureMatches('abc', 'abc='), false);
  });
});

describe('EMAS parameters', () => {
  test('UTC times: the POP format only, no impossible dates', () => {
    assert.equal(parseUtcTime('2019-02-20T00:00:00Z'), Date.UTC(2019, 1, 20));
    assert.equal(parseUtcTime('2019-02-30T00:00:00Z'), undefined);
    assert.equal(parseUtcTime('2019-02-20 00:00:00'), undefined);
    assert.equal(parseUtcTime('2019-02-20T00:00:00+08:00'), undefined);
  });

  test('UTC times agree with Date.parse on every well-formed text, leap days and early years included', () => {
    // the reference: what Date.parse reads, unless it rolls an impossible date or hour over
    const reference = (text: string): number | undefined => {
      const ms = Date.parse(text);
      if (Number.isNaN(ms)) return undefined;
      const d = new Date(ms);
      return d.getUTCDate() === Number(text.slice(8, 10)) && d.getUTCMonth() + 1 === Number(text.slice(5, 7)) ? ms : undefined;
    };
    assert.equal(parseUtcTime('2024-02-29T12:00:00Z'), Date.UTC(2024, 1, 29, 12));
    assert.equal(parseUtcTime('2023-02-29T12:00:00Z'), undefined);
    assert.equal(parseUtcTime('1900-02-29T12:00:00Z'), undefined);
    assert.equal(parseUtcTime('2000-02-29T12:00:00Z'), Date.UTC(2000, 1, 29, 12));
    assert.equal(parseUtcTime('0000-02-29T00:00:00Z'), Date.parse('0000-02-29T00:00:00Z'));
    assert.equal(parseUtcTime('0099-12-31T23:59:59Z'), Date.parse('0099-12-31T23:59:59Z'));
    assert.equal(parseUtcTime('2019-02-20T00:00:00.5Z'), Date.UTC(2019, 1, 20) + 500);
    assert.equal(parseUtcTime('2019-02-20T00:00:00.05Z'), Date.UTC(2019, 1, 20) + 50);
    assert.equal(parseUtcTime('2019-02-20T24:00:00Z'), undefined);
    assert.equal(parseUtcTime('2019-02-20T23:60:00Z'), undefined);
    assert.equal(parseUtcTime('2019-13-01T00:00:00Z'), undefined);
    assert.equal(parseUtcTime('2019-00-01T00:00:00Z'), undefined);
    for (const bad of ['2019-02-20T00:00:00.Z', '2019-02-20T00:00:00.1234Z', '2019-02-20T00:00:00,5Z', ' 2019-02-20T00:00:0Z', '2019-2-20T00:00:00Z',
      '2019-02-20t00:00:00Z', '2019-02-20T00:00:00z', '2019/02/20T00:00:00Z', '2019-02-20T00-00-00Z', '+19-02-20T00:00:00Z', '２０19-02-20T00:00:00Z', '']) {
      assert.equal(parseUtcTime(bad), undefined, bad);
    }
    let seed = 7;
    const pick = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const two = (n: number) => String(n).padStart(2, '0');
    for (let i = 0; i < 20_000; i++) {
      const year = [0, 4, 99, 100, 400, 1900, 1970, 2000, 2023, 2024, 2100, 9999][pick(12)]! + pick(3);
      const text = `${String(Math.min(year, 9999)).padStart(4, '0')}-${two(pick(14))}-${two(pick(33))}T${two(pick(26))}:${two(pick(62))}:${two(pick(62))}${['', '.5', '.05', '.123'][pick(4)]}Z`;
      assert.equal(parseUtcTime(text), reference(text), text);
    }
  });

  test('tag expressions: nesting, operand counts, a lone not is refused', () => {
    const e = parseTagExpression('{"and":[{"tag":"男性"},{"not":{"tag":"90后"}},{"or":[{"tag":"活跃"},{"not":{"tag":"国外"}}]}]}');
    assert.deepEqual(e, { and: [{ tag: '男性' }, { not: { tag: '90后' } }, { or: [{ tag: '活跃' }, { not: { tag: '国外' } }] }] });
    for (const bad of ['{"not":{"tag":"a"}}', '{"and":[]}', '{"or":"a"}', '[]', '{"tag":1}', '{"and":[{"tag":"a"}],"or":[]}', 'nope']) {
      assert.throws(() => parseTagExpression(bad), (err: unknown) => err instanceof EmasError && err.code === 'InvalidTargetValue.Format', bad);
    }
    const many = JSON.stringify({ or: Array.from({ length: 11 }, (_, i) => ({ tag: `t${i}` })) });
    assert.throws(() => parseTagExpression(many), EmasError);
  });
});

describe('nonce cache', () => {
  test('a nonce is used once per key, forgotten after its lifetime, refused when full', () => {
    const cache = new NonceCache(1000, 3);
    assert.equal(cache.claim('k', 'n1', 0), 'fresh');
    assert.equal(cache.claim('k', 'n1', 10), 'used');
    assert.equal(cache.claim('other', 'n1', 10), 'fresh');
    assert.equal(cache.claim('k', 'n2', 20), 'fresh');
    assert.equal(cache.claim('k', 'n3', 30), 'full');
    assert.equal(cache.claim('k', 'n1', 1011), 'fresh'); // the first two expired
    assert.equal(cache.size, 2);
  });
});
