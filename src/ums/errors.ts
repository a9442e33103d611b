/**
 * UMS business codes (the reference's "call return code" table) and the HTTP status each
 * travels with. Every failure of the UMS API is one of these, answered `{"code","message"}`.
 */
export const UMS_CODES = {
  illegalParam: 4004,
  authFailed: 4005,
  serverError: 5000,
  tooManyUsers: 1015004,
  channelClosed: 1015005,
  appChannel: 1015006,
  smsChannel: 1015007,
  wechatoaChannel: 1015008,
  wechatmpChannel: 1015009,
  emailChannel: 1015010,
  alipayChannel: 1015011,
  dingtalkChannel: 1015012,
  ownerRequired: 1015023,
  channelInvalid: 1015025,
  policyInvalid: 1015026,
  broadcastQuota: 1015029,
  rateLimited: 1015030,
  templateNotFound: 1015031,
  notGeneralTemplate: 1015032,
  sensitiveWords: 1015034,
  quietHours: 1015038,
  templateInvalid: 1015073,
  blackListVip: 1015074,
  whiteListVip: 1015075,
  msgInTemplate: 1015094,
  smsTemplateId: 1015095,
  listNotFound: 1015046,
  appPlatformMissing: 1015084,
  appPlatformIllegal: 1015085,
  blackAndWhite: 1015097,
  alreadyRetracted: 1015055,
} as const;

export class UmsError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status = statusOf(code),
  ) {
    super(message);
  }
}

function statusOf(code: number): number {
  if (code === UMS_CODES.authFailed) return 401;
  if (code === UMS_CODES.serverError) return 500;
  if (code === UMS_CODES.rateLimited) return 429;
  return 400;
}

export const umsError = (code: number, message: string) => new UmsError(code, message);
export const illegal = (message: string) => new UmsError(UMS_CODES.illegalParam, message);

/** The code that says a channel of the send is not usable for this UMS channel. */
export const CHANNEL_UNUSABLE: Readonly<Record<string, number>> = {
  app: UMS_CODES.appChannel,
  sms: UMS_CODES.smsChannel,
  email: UMS_CODES.emailChannel,
  wechatoa: UMS_CODES.wechatoaChannel,
  wechatmp: UMS_CODES.wechatmpChannel,
  alipay_life: UMS_CODES.alipayChannel,
  dingtalk_cc: UMS_CODES.dingtalkChannel,
  // the reference's table has no WeCom row: "channel invalid"
  wechatwk: UMS_CODES.channelInvalid,
};
