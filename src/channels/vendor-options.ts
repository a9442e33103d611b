import type { AcceptedPush, Json, JsonObject } from '../domain/push.js';
import { vendorBlock } from './router.js';

/**
 * The push's options for one vendor with JPush's precedence rules applied, so every vendor
 * channel resolves them the same way (the channels map the result to their own fields):
 *
 * - `options.classification` (0 operational, 1 system) has the highest priority: it replaces
 *   `third_party_channel.vivo.classification` and the Huawei / Honor `importance`
 *   (1 → NORMAL, 0 → LOW). Absent everywhere: 0. It is also the quota category.
 * - `options.test_message` and `options.receipt_id` win over the HarmonyOS notification's
 *   (`notification.hmos` or `notification_3rd.hmos`) `test_message` / `receipt_id`.
 * - Huawei / Honor `receipt_id`: `third_party_channel.<vendor>.receipt_id`, else `options.receipt_id`
 *   (the spec orders only the HarmonyOS case; the vendor's own key is the more specific one).
 * - `skip_quota` counts only for Xiaomi and OPPO, as the spec says.
 */
export interface ResolvedVendorOptions {
  /** `options.third_party_channel.<vendor>` as sent (empty when absent). */
  block: JsonObject;
  classification: 0 | 1;
  /** The quota category the push counts against. */
  category: QuotaCategory;
  /** Huawei / Honor notification importance, when the push sets one (directly or by classification). */
  importance?: string;
  testMessage?: boolean;
  receiptId?: string;
  skipQuota: boolean;
}

export type QuotaCategory = 'system' | 'operation';

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const SKIP_QUOTA_VENDORS: readonly string[] = ['xiaomi', 'oppo'];

function hmosNotification(push: AcceptedPush): JsonObject {
  const n = push.notification?.hmos;
  if (isObject(n)) return n;
  const n3 = push.notification3rd?.hmos;
  return isObject(n3) ? n3 : {};
}

export function vendorOptions(push: AcceptedPush, vendor: string): ResolvedVendorOptions {
  const block = vendorBlock(push, vendor);
  const raw = push.options.raw;
  const own = vendor === 'vivo' && (block.classification === 0 || block.classification === 1) ? block.classification : undefined;
  const classification: 0 | 1 = push.options.classification === 1 ? 1 : push.options.classification === 0 ? 0 : (own ?? 0);
  const out: ResolvedVendorOptions = {
    block,
    classification,
    category: classification === 1 ? 'system' : 'operation',
    skipQuota: SKIP_QUOTA_VENDORS.includes(vendor) && block.skip_quota === true,
  };
  if (vendor === 'huawei' || vendor === 'honor') {
    if (push.options.classification === 0 || push.options.classification === 1) out.importance = push.options.classification === 1 ? 'NORMAL' : 'LOW';
    else if (typeof block.importance === 'string') out.importance = block.importance;
    const receiptId = typeof block.receipt_id === 'string' ? block.receipt_id : typeof raw.receipt_id === 'string' ? raw.receipt_id : undefined;
    if (receiptId !== undefined) out.receiptId = receiptId;
  }
  if (vendor === 'hmos') {
    const n = hmosNotification(push);
    const test = typeof raw.test_message === 'boolean' ? raw.test_message : typeof n.test_message === 'boolean' ? n.test_message : undefined;
    if (test !== undefined) out.testMessage = test;
    const receiptId = typeof raw.receipt_id === 'string' ? raw.receipt_id : typeof n.receipt_id === 'string' ? n.receipt_id : undefined;
    if (receiptId !== undefined) out.receiptId = receiptId;
  }
  return out;
}
