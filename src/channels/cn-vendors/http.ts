import { readCapped } from '../vendor-http.js';

/** One HTTP exchange with a vendor: status, headers and the (capped) body text. */
export interface VendorAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string>, timeoutMs: number): Promise<VendorAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', ...headers },
    body: new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, headers: res.headers, text: await readCapped(res) };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string>, timeoutMs: number): Promise<VendorAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json;charset=UTF-8', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, headers: res.headers, text: await readCapped(res) };
}
