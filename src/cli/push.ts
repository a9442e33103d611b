import { readFileSync } from 'node:fs';
import { PLATFORMS } from '../domain/push.js';
import { UsageError, parse, stringFlag } from './args.js';
import { isNetworkError, unreachableMessage } from './reach.js';

export const PUSH_USAGE = `borealis push (--tag a,b | --tag-and a,b | --alias x,y | --rid id1,id2 | --all)
               [--alert TEXT] [--title TEXT] [--message TEXT] [--extras k=v ...]
               [--platform all|android,ios,...] [--ttl SECONDS] [--validate]
               [--server URL] [--app-key KEY] [--master-secret SECRET]
borealis push --json FILE|- [--validate] [--server URL] [--app-key KEY] [--master-secret SECRET]
  Sends a push through the server's JPush API (POST /v3/push), as any client would, and prints
  its msg_id. --json sends a complete JPush push object from FILE (- for stdin) instead.
  Credentials come from the flags or BOREALIS_APP_KEY and BOREALIS_MASTER_SECRET; the server
  from --server or BOREALIS_SERVER (http://127.0.0.1:8080).`;

const PUSH_OPTIONS = {
  alert: { type: 'string' },
  title: { type: 'string' },
  message: { type: 'string' },
  extras: { type: 'string', multiple: true },
  tag: { type: 'string' },
  'tag-and': { type: 'string' },
  alias: { type: 'string' },
  rid: { type: 'string' },
  all: { type: 'boolean' },
  platform: { type: 'string' },
  ttl: { type: 'string' },
  json: { type: 'string' },
  validate: { type: 'boolean' },
  server: { type: 'string' },
  'app-key': { type: 'string' },
  'master-secret': { type: 'string' },
} as const;

/** Flags that build the push; --json replaces all of them. */
const CONTENT_FLAGS = ['alert', 'title', 'message', 'extras', 'tag', 'tag-and', 'alias', 'rid', 'all', 'platform', 'ttl'];
const AUDIENCE_FLAGS = { tag: 'tag', 'tag-and': 'tag_and', alias: 'alias', rid: 'registration_id' } as const;

type Values = Record<string, string | boolean | string[] | undefined>;

export async function pushCommand(args: string[]): Promise<number> {
  const { values: parsed } = parse(args, PUSH_OPTIONS);
  const values = parsed as Values;
  if (values.help) {
    console.log(PUSH_USAGE);
    return 0;
  }
  const flags = values as Record<string, string | boolean | undefined>;
  const server = (stringFlag(flags, 'server') ?? process.env.BOREALIS_SERVER ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(server)) throw new UsageError('--server takes an http:// or https:// URL');
  const appKey = stringFlag(flags, 'app-key') ?? process.env.BOREALIS_APP_KEY;
  const secret = stringFlag(flags, 'master-secret') ?? process.env.BOREALIS_MASTER_SECRET;
  if (!appKey || !secret) {
    throw new UsageError('push needs the app credentials: --app-key and --master-secret, or BOREALIS_APP_KEY and BOREALIS_MASTER_SECRET');
  }

  const jsonFile = stringFlag(flags, 'json');
  let body: string;
  if (jsonFile !== undefined) {
    const mixed = CONTENT_FLAGS.filter((f) => values[f] !== undefined);
    if (mixed.length > 0) throw new UsageError(`--json sends the file as it is; leave out --${mixed.join(', --')}`);
    body = readBody(jsonFile);
  } else {
    body = JSON.stringify(pushFromFlags(values));
  }

  const url = `${server}/v3/push${values.validate ? '/validate' : ''}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from(`${appKey}:${secret}`).toString('base64'),
        'content-type': 'application/json',
      },
      body,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') {
      console.error(`borealis push: no answer from ${url} within 30 s; is it a Borealis server, and is it overloaded?`);
      return 1;
    }
    if (!isNetworkError(err)) throw err;
    console.error(`borealis push: ${unreachableMessage(url, err)}`);
    return 1;
  }
  const text = await res.text();
  let answer: { msg_id?: unknown; error?: { code?: unknown; message?: unknown } } = {};
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    // not JSON: reported below with the status
  }
  if (res.ok && typeof answer.msg_id === 'string') {
    console.log(answer.msg_id);
    return 0;
  }
  const detail = answer.error ? `error ${String(answer.error.code)}: ${String(answer.error.message)}` : text.slice(0, 200) || 'no body';
  console.error(`borealis push: ${url} answered HTTP ${res.status}, ${detail}`);
  return 1;
}

function readBody(file: string): string {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not JSON`);
  }
  return text;
}

/** A JPush push object from the command-line flags. */
export function pushFromFlags(values: Values): Record<string, unknown> {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const list = (name: string) =>
    text(name)
      ?.split(',')
      .map((v) => v.trim())
      .filter((v) => v.length > 0);

  const audience: Record<string, string[]> = {};
  for (const [flag, key] of Object.entries(AUDIENCE_FLAGS)) {
    const items = list(flag);
    if (items !== undefined) {
      if (items.length === 0) throw new UsageError(`--${flag} needs at least one value`);
      audience[key] = items;
    }
  }
  const everyone = values.all === true;
  if (everyone && Object.keys(audience).length > 0) throw new UsageError('--all goes alone, without --tag, --tag-and, --alias or --rid');
  if (!everyone && Object.keys(audience).length === 0) {
    throw new UsageError('say who gets the push: --tag, --tag-and, --alias, --rid (comma-separated) or --all');
  }

  const platforms = platformsFrom(text('platform'));
  const alert = text('alert');
  const title = text('title');
  const content = text('message');
  const extras = extrasFrom(values.extras);
  if (alert === undefined && content === undefined) throw new UsageError('push needs --alert TEXT (a notification) or --message TEXT (an in-app message)');
  if (title !== undefined && alert === undefined && content === undefined) throw new UsageError('--title goes with --alert or --message');

  const push: Record<string, unknown> = { platform: platforms, audience: everyone ? 'all' : audience };
  if (alert !== undefined) push.notification = notificationOf(alert, title, extras, platforms);
  if (content !== undefined) {
    push.message = { msg_content: content, ...(title !== undefined && { title }), ...(extras && { extras }) };
  }
  const ttl = text('ttl');
  if (ttl !== undefined) {
    if (!/^[0-9]{1,9}$/.test(ttl)) throw new UsageError('--ttl takes a number of seconds');
    push.options = { time_to_live: Number(ttl) };
  }
  return push;
}

function platformsFrom(raw: string | undefined): 'all' | string[] {
  if (raw === undefined || raw === 'all') return 'all';
  const items = raw.split(',').map((p) => p.trim());
  const unknown = items.filter((p) => !(PLATFORMS as readonly string[]).includes(p));
  if (unknown.length > 0 || items.length === 0) throw new UsageError(`--platform takes all, or a comma-separated list of ${PLATFORMS.join(', ')}`);
  return [...new Set(items)];
}

function extrasFrom(raw: Values[string]): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const pair of Array.isArray(raw) ? raw : [String(raw)]) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--extras takes key=value, not ${JSON.stringify(pair)}`);
    // defineProperty: a key like __proto__ is an ordinary key here
    Object.defineProperty(out, pair.slice(0, eq), { value: pair.slice(eq + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * A title or extras have no place in the common `alert`: they go into the Android and iOS
 * notifications when those are targeted (iOS takes the title in an alert object with the body).
 * HarmonyOS (which needs a category) and quick apps get the common alert only.
 */
function notificationOf(alert: string, title: string | undefined, extras: Record<string, string> | undefined, platforms: 'all' | string[]): Record<string, unknown> {
  const notification: Record<string, unknown> = { alert };
  if (title === undefined && extras === undefined) return notification;
  const targets = (p: string) => platforms === 'all' || platforms.includes(p);
  const extra = extras ? { extras } : {};
  if (targets('android')) notification.android = { alert, ...(title !== undefined && { title }), ...extra };
  if (targets('ios')) notification.ios = { alert: title !== undefined ? { title, body: alert } : alert, ...extra };
  return notification;
}
