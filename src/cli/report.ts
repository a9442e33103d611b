import { AudienceIndex } from '../audience/audience-index.js';
import { openStore } from '../node.js';
import { PLATFORMS } from '../domain/push.js';
import { OWN_CHANNEL, RECEIPT_SAVE_MS, pushFigures, rate, receiptsFromStore, type Figures } from '../receipts/report.js';
import { relayFigures } from '../receipts/relay-figures.js';
import { UsageError, configFrom, parse } from './args.js';

export const REPORT_USAGE = `borealis report MSG_ID [--json]
  What happened to one push: targets, sent, received and clicked per channel and platform,
  read from the store (also takes --data DIR and --config FILE)`;

export async function reportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (values.help) {
    console.log(REPORT_USAGE);
    return 0;
  }
  const msgId = positionals[0];
  if (msgId === undefined || positionals.length > 1) throw new UsageError(`report needs exactly one MSG_ID\n${REPORT_USAGE}`);
  const store = openStore(configFrom(values));
  try {
    const stored = await store.pushes.receipts(msgId);
    if (!stored) {
      console.error(`no push with msg_id ${msgId}`);
      return 1;
    }
    const receipts = receiptsFromStore(stored);
    const push = await store.pushes.get(msgId);
    const index = await AudienceIndex.load(store.devices);
    const figures = pushFigures(receipts, (p) => index.platformSet(receipts.appKey, [p]));
    const now = Date.now();
    const state = receipts.revoked ? 'revoked' : now >= receipts.expiresAt ? 'expired' : 'live';
    const paced = push && push.options.bigPushDuration > 0 ? await store.pacing.get(msgId) : undefined;
    const pacing =
      push && push.options.bigPushDuration > 0
        ? { duration: push.options.bigPushDuration, target: figures.total.target, released: paced?.released ?? 0, finished: paced?.finishedAt != null }
        : undefined;
    const content = [push?.notification && 'notification', push?.message && 'message', push?.liveActivity && 'live_activity'].filter((c): c is string => !!c);
    const relays = await relayFigures(store.relay, msgId);
    const queued = await store.relay.pendingFor(msgId);

    if (values.json) {
      console.log(
        JSON.stringify({
          msg_id: msgId,
          app_key: receipts.appKey,
          created_at: new Date(receipts.createdAt).toISOString(),
          expires_at: new Date(receipts.expiresAt).toISOString(),
          state,
          content,
          total: figures.total,
          platforms: { ...figures.platforms, web: figures.web },
          channels: figures.channels,
          vendors: relays,
          relay_slices_queued: queued,
          saved_every_ms: RECEIPT_SAVE_MS,
          ...(pacing ? { big_push: pacing } : {}),
        }),
      );
      return 0;
    }

    const rows: [string, string, Figures][] = PLATFORMS.map((p) => [OWN_CHANNEL, p, figures.platforms[p]]);
    if (figures.web.target > 0) rows.push([OWN_CHANNEL, 'web', figures.web]);
    rows.push(['total', '', figures.total]);
    console.log(`msg_id ${msgId}  app ${receipts.appKey}  ${content.join(' + ') || 'no content'}`);
    console.log(`sent ${utc(receipts.createdAt)}  expires ${utc(receipts.expiresAt)}  (${state})`);
    if (pacing) {
      const how = pacing.finished ? 'finished' : 'in progress';
      console.log(`paced over ${pacing.duration} min: ${pacing.released} of ${pacing.target} targets released (${how})`);
    }
    console.log('');
    console.log(table(rows));
    console.log('');
    console.log('received% = received / target; clicked% = clicked / received.');
    const vendors = Object.entries(relays);
    if (vendors.length > 0) {
      console.log('');
      console.log(vendorTable(vendors));
      console.log('Vendor channels give no delivery receipts: sent = devices the vendor accepted the push for.');
    }
    if (queued > 0) console.log(`Relay: ${queued} slice(s) of targets still queued for vendor channels.`);
    console.log(`Read from the store: a running server saves receipts every ${RECEIPT_SAVE_MS} ms, so figures may be up to ~${RECEIPT_SAVE_MS / 1000} s old.`);
    return 0;
  } finally {
    await store.close();
  }
}

function table(rows: [string, string, Figures][]): string {
  const pct = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)}%`);
  const head = ['channel', 'platform', 'target', 'sent', 'received', 'clicked', 'received%', 'clicked%'];
  const body = rows.map(([channel, platform, f]) => [
    channel,
    platform,
    String(f.target),
    String(f.sent),
    String(f.received),
    String(f.click),
    pct(rate(f.received, f.target)),
    pct(rate(f.click, f.received)),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  // Names align left, figures right.
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}

function vendorTable(rows: [string, { sent: number; failed: number; tokenDead: number; quotaFallback: number }][]): string {
  const head = ['vendor', 'sent', 'failed', 'token dead', 'quota fallback'];
  const body = rows.map(([ch, f]) => [ch, String(f.sent), String(f.failed), String(f.tokenDead), String(f.quotaFallback)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}

function utc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
}
