import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EmasError } from '../../src/api/emas/errors.js';
import { emptyForm, readForm, signedPairs } from '../../src/api/emas/form-params.js';
import { stringToSign, stringToSignOfCanonical, stringToSignOfPairs } from '../../src/api/emas/signature.js';

/** The reference: URLSearchParams decoding, then the parameters encoded afresh for the signature. */
function reference(text: string): { values: Map<string, string>; toSign: string } {
  const values = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(text)) values.set(k, v);
  return { values, toSign: stringToSign('POST', values) };
}

function read(text: string) {
  const form = emptyForm();
  readForm(text, form, 2000);
  const canonical = form.canonical;
  const toSign = stringToSignOfPairs('POST', signedPairs(form));
  // the canonical query found as sent, when it is, gives the same string to sign
  if (canonical !== undefined) assert.equal(stringToSignOfCanonical('POST', canonical), toSign, text);
  return { values: form.values, toSign, canonical };
}

const PIECES = ['a', 'Z', '0', '-', '_', '.', '~', '+', ' ', '%', '%2', '%20', '%2B', '%2b', '%41', '%7E', '%E6%B7%B1', '%E6%B7', '%FF', '%C0%AF',
  '%ED%A0%80', '=', '*', '!', "'", '(', ')', ',', ':', '深', '\u{1F600}', '\u00FF', '{"k":"v"}', '%7B%22k%22%3A%22v%22%7D',
  // canonical escapes (kept as sent) next to escapes of unreserved characters and lower-case hex (encoded afresh)
  '%C3%A9', '%c3%a9', '%2D', '%5F', '%2E', '%25', '%26', '%3D', '%2A', '%21', '%F0%9F%98%80', '%E6%B7%B1%E6'];

function randomPart(rnd: () => number): string {
  let s = '';
  const n = Math.floor(rnd() * 6);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(rnd() * PIECES.length)];
  return s;
}

describe('EMAS form reader', () => {
  test('decodes and builds the string to sign as URLSearchParams plus a fresh encoding do', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 3000; round++) {
      const pairs: string[] = [];
      const names = new Set<string>();
      for (let i = 0; i < 1 + Math.floor(rnd() * 6); i++) {
        const name = `n${i}${randomPart(rnd).replaceAll('=', '')}`;
        // names that decode alike would be refused as duplicates: the reference has none
        const decoded = new URLSearchParams(`${name}=`).keys().next().value as string;
        if (names.has(decoded)) continue;
        names.add(decoded);
        pairs.push(rnd() < 0.1 ? name : `${name}=${randomPart(rnd)}`);
      }
      if (rnd() < 0.3) pairs.splice(Math.floor(rnd() * (pairs.length + 1)), 0, `Signature=${randomPart(rnd)}`);
      const text = pairs.join(rnd() < 0.1 ? '&&' : '&');
      const ours = read(text);
      const ref = reference(text);
      assert.deepEqual([...ours.values], [...ref.values], text);
      assert.equal(ours.toSign, ref.toSign, text);
    }
  });

  test('a body that is the canonical query as sent (Signature anywhere) is taken as it is', () => {
    const sorted = 'AccessKeyId=AK1&Action=Push&Body=Hello%20world&Format=JSON&TargetValue=a%2Cb&iOSMusic=default';
    for (const [text, expected] of [
      [`${sorted}&Signature=abc%3D`, sorted],
      [`Signature=abc%3D&${sorted}`, sorted],
      [sorted.replace('&Format', '&Signature=x&Format'), sorted],
      [sorted, sorted],
      ['Signature=x', ''],
      // not as sent: out of order, not POP's encoding, a pair without '=', an empty pair, an escaped name
      ['Action=Push&AccessKeyId=AK1&Signature=x', undefined],
      ['AccessKeyId=AK1&Body=Hello+world&Signature=x', undefined],
      ['AccessKeyId=AK1&Body=%2a&Signature=x', undefined],
      ['AccessKeyId=AK1&Body&Signature=x', undefined],
      ['AccessKeyId=AK1&&Body=a&Signature=x', undefined],
      ['AccessKeyId=AK1&Body=a&Signature=x&', undefined],
      ['AccessKeyId=AK1&B%6Fdy=a&Signature=x', undefined],
      ['AccessKeyId=AK1&Body=a&Body2=b&Signature=x', 'AccessKeyId=AK1&Body=a&Body2=b'],
      // Signature under an escaped name is still Signature's pair, cut out
      ['AccessKeyId=AK1&Signatur%65=x&Body=a', 'AccessKeyId=AK1&Body=a'],
      // canonical up to a pair, then not: the pairs before it are signed as sent, Signature's aside
      ['AccessKeyId=AK1&Signatur%65=x&Body=a&Aa=b', undefined],
      ['AccessKeyId=AK1&Signature&Body=a&Aa=b', undefined],
      ['AccessKeyId=AK1&Signature=x&Body=a&&Body2=b', undefined],
    ] as const) {
      assert.equal(read(text).canonical, expected, text);
      assert.equal(read(text).toSign, reference(text).toSign, text);
    }
    // parameters in the query and the body: sorted and joined as before
    const form = emptyForm();
    readForm('Action=Push', form, 10);
    assert.equal(form.canonical, 'Action=Push');
    readForm('Body=x&Signature=y', form, 10);
    assert.equal(form.canonical, undefined);
    assert.equal(stringToSignOfPairs('POST', signedPairs(form)), stringToSignOfPairs('POST', new Map([['Action', 'Action=Push'], ['Body', 'Body=x']])));
  });

  test('a name given twice, in the query or the body, is refused', () => {
    const form = emptyForm();
    readForm('Action=Push&Format=JSON', form, 10);
    assert.throws(() => readForm('Format=XML', form, 10), (e: unknown) => e instanceof EmasError && e.code === 'Invalid.Parameter');
    assert.throws(() => read('a=1&%61=2'), EmasError);
  });

  test('too many parameters are refused, and pairs without "=" do not make reading quadratic', () => {
    assert.throws(() => readForm('a=1&b=2&c=3', emptyForm(), 2), EmasError);
    const names = Array.from({ length: 1500 }, (_, i) => `p${i}`).join('&') + '&' + 'x'.repeat(500_000);
    const started = performance.now();
    const form = emptyForm();
    readForm(names, form, 2000);
    assert.equal(form.values.get('p7'), '');
    assert.ok(performance.now() - started < 2000);
  });
});
