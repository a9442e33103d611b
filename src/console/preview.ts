import { renderApns } from '../channels/apns/render.js';
import { renderFcmMessage } from '../channels/fcm/render.js';
import { renderHmosMessage } from '../channels/hmos/render.js';
import { renderHonorMessage } from '../channels/honor/render.js';
import { renderHmsMessage } from '../channels/huawei/render.js';
import { renderMeizu } from '../channels/meizu/render.js';
import { renderOppo } from '../channels/oppo/render.js';
import { renderVivo } from '../channels/vivo/render.js';
import { renderWebPushPayload } from '../channels/webpush/render.js';
import { renderXiaomi } from '../channels/xiaomi/render.js';
import { effectivePlatforms, renderFor } from '../delivery/render.js';
import type { AcceptedPush, Push } from '../domain/push.js';

/**
 * What each platform (over Borealis's own connection) and each vendor would be sent for a
 * push, rendered by the same functions the delivery and relays use. Vendor renderers that need
 * an app's credentials get placeholders; a renderer that refuses the push says why.
 */
export function previewPush(push: Push, now = Date.now()): { platforms: Record<string, unknown>; vendors: Record<string, unknown> } {
  const accepted: AcceptedPush = { ...push, msgId: '0', createdAt: now, expiresAt: now + push.options.timeToLive * 1000 };
  const platforms: Record<string, unknown> = {};
  for (const p of effectivePlatforms(accepted)) platforms[p] = renderFor(accepted, p);
  const vendors: Record<string, unknown> = {};
  const wanted = new Set(effectivePlatforms(accepted));
  const attempt = (name: string, render: () => unknown) => {
    try {
      vendors[name] = render();
    } catch (err) {
      vendors[name] = { refused: (err as Error).message };
    }
  };
  if (!push.notification && !push.message) return { platforms, vendors };
  if (wanted.has('ios')) attempt('apns', () => renderApns(accepted, undefined));
  if (wanted.has('android')) {
    attempt('fcm', () => renderFcmMessage(accepted, now));
    attempt('huawei', () => renderHmsMessage(accepted, now));
    attempt('honor', () => renderHonorMessage(accepted, now));
    attempt('xiaomi', () => renderXiaomi(accepted, 'com.example.app', undefined, now));
    attempt('oppo', () => renderOppo(accepted, undefined, now));
    attempt('vivo', () => renderVivo(accepted, 'APP_ID', undefined, now));
    attempt('meizu', () => renderMeizu(accepted, undefined, now));
  }
  if (wanted.has('hmos')) attempt('hmos', () => renderHmosMessage(accepted, now));
  if (wanted.has('web')) attempt('webpush', () => JSON.parse(renderWebPushPayload(accepted).toString('utf8')) as unknown);
  return { platforms, vendors };
}
