import { charCount, checkIntIn, checkIntRange, checkString, firstError, isObject, type Obj } from '../message-checks.js';

/**
 * Checks a `msg_wechatwk` object against the reference's limits: text ≤ 2048 bytes; news and
 * mpnews 1..8 articles (title ≤ 128 bytes, description / digest ≤ 512 bytes, url ≤ 2048 bytes,
 * mpnews content ≤ 666 K bytes, author ≤ 64 bytes); miniprogram_notice title and description
 * 4..12 characters, ≤ 10 content items (key ≤ 10, value ≤ 30 characters); safe 0..2;
 * duplicate_check_interval ≤ 4 hours.
 */

export const WECOM_MESSAGE_TYPES = ['text', 'image', 'file', 'news', 'mpnews', 'miniprogram_notice'] as const;

function checkArticles(box: unknown, type: 'news' | 'mpnews'): string | undefined {
  if (!isObject(box)) return `${type} is required and must be an object`;
  const articles = box.articles;
  if (!Array.isArray(articles) || articles.length < 1 || articles.length > 8) return `${type}.articles must hold 1 to 8 articles`;
  for (let i = 0; i < articles.length; i++) {
    const a: unknown = articles[i];
    const at = `${type}.articles[${i}].`;
    if (!isObject(a)) return `${at.slice(0, -1)} must be an object`;
    const error =
      type === 'news'
        ? firstError(
            () => checkString(a, 'title', { required: true, maxBytes: 128 }, at),
            () => checkString(a, 'description', { maxBytes: 512 }, at),
            () => checkString(a, 'url', { maxBytes: 2048 }, at),
            () => checkString(a, 'picurl', { maxBytes: 2048 }, at),
            () => checkString(a, 'appid', { maxChars: 64 }, at),
            () => checkString(a, 'pagepath', { maxBytes: 2048 }, at),
            () => ((a.appid === undefined) !== (a.pagepath === undefined) ? `${at}appid and ${at}pagepath go together` : undefined),
            () => (a.url === undefined && a.appid === undefined ? `${at}url or ${at}appid is required` : undefined),
          )
        : firstError(
            () => checkString(a, 'thumb_media_id', { required: true, maxChars: 256 }, at),
            () => checkString(a, 'title', { required: true, maxBytes: 128 }, at),
            () => checkString(a, 'content', { required: true, maxBytes: 666 * 1024 }, at),
            () => checkString(a, 'digest', { maxBytes: 512 }, at),
            () => checkString(a, 'author', { maxBytes: 64 }, at),
            () => checkString(a, 'content_source_url', { maxBytes: 2048 }, at),
          );
    if (error) return error;
  }
  return undefined;
}

function checkMiniprogramNotice(box: unknown): string | undefined {
  if (!isObject(box)) return 'miniprogram_notice is required and must be an object';
  const at = 'miniprogram_notice.';
  const error = firstError(
    () => checkString(box, 'appid', { required: true, maxChars: 64 }, at),
    () => checkString(box, 'page', { maxChars: 1024 }, at),
    () => checkString(box, 'title', { required: true }, at),
    () => (charCount(box.title as string) < 4 || charCount(box.title as string) > 12 ? `${at}title must be 4 to 12 characters` : undefined),
    () => checkString(box, 'description', {}, at),
    () => (typeof box.description === 'string' && (charCount(box.description) < 4 || charCount(box.description) > 12) ? `${at}description must be 4 to 12 characters` : undefined),
    () => (box.emphasis_first_item !== undefined && typeof box.emphasis_first_item !== 'boolean' ? `${at}emphasis_first_item must be true or false` : undefined),
  );
  if (error) return error;
  const items = box.content_item;
  if (items === undefined) return undefined;
  if (!Array.isArray(items) || items.length > 10) return `${at}content_item must be an array of at most 10 items`;
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    const ip = `${at}content_item[${i}].`;
    if (!isObject(item)) return `${ip.slice(0, -1)} must be an object`;
    const e = checkString(item, 'key', { required: true, maxChars: 10 }, ip) ?? checkString(item, 'value', { required: true, maxChars: 30 }, ip);
    if (e) return e;
  }
  return undefined;
}

export function validateWecomMessage(msg: Obj): string | undefined {
  const type = msg.msgtype;
  if (typeof type !== 'string' || !(WECOM_MESSAGE_TYPES as readonly string[]).includes(type)) return `msgtype must be one of ${WECOM_MESSAGE_TYPES.join(', ')}`;
  const common = firstError(
    () => checkIntIn(msg, 'safe', [0, 1, 2]),
    () => checkIntIn(msg, 'enable_duplicate_check', [0, 1]),
    () => checkIntIn(msg, 'enable_id_trans', [0, 1]),
    () => checkIntRange(msg, 'duplicate_check_interval', 1, 4 * 3600),
  );
  if (common) return common;
  const box = msg[type];
  switch (type) {
    case 'text':
      return isObject(box) ? checkString(box, 'content', { required: true, maxBytes: 2048 }, 'text.') : 'text is required and must be an object';
    case 'image':
    case 'file':
      return isObject(box) ? checkString(box, 'media_id', { required: true, maxChars: 256 }, `${type}.`) : `${type} is required and must be an object`;
    case 'news':
    case 'mpnews':
      return checkArticles(box, type);
    default:
      return checkMiniprogramNotice(box);
  }
}
