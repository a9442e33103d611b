import type { UmsPolicyStep, UmsStepCondition } from '../store/ums-types.js';

export const POLICY_CHANNELS = ['app', 'sms', 'email', 'wechatoa', 'wechatmp', 'alipay_life', 'dingtalk_cc', 'wechatwk'] as const;
export const CONDITIONS: readonly UmsStepCondition[] = ['always', 'not_delivered', 'not_clicked', 'submit_failed'];
const MAX_STEPS = 10;
/** Longest delay of a step: one day, as JPush's own SMS supplement allows. */
export const MAX_DELAY_SECONDS = 86_400;

/**
 * A send policy's steps: `[{channel, delay (s after the message), condition}]`, at most ten,
 * in order of delay. The first step runs unconditionally; each later one runs for a user when
 * its condition holds over that user's earlier steps. Throws an Error saying what is wrong.
 */
export function parsePolicySteps(raw: unknown): UmsPolicyStep[] {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_STEPS) throw new Error(`steps must be an array of 1..${MAX_STEPS} steps`);
  let last = 0;
  return raw.map((s: unknown, i) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new Error(`step ${i} must be an object`);
    const o = s as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!['channel', 'delay', 'condition'].includes(k)) throw new Error(`step ${i}: unknown field ${k.slice(0, 40)}`);
    if (typeof o.channel !== 'string' || !(POLICY_CHANNELS as readonly string[]).includes(o.channel)) throw new Error(`step ${i}: channel must be one of ${POLICY_CHANNELS.join(', ')}`);
    const delay = o.delay ?? 0;
    if (!Number.isSafeInteger(delay) || (delay as number) < 0 || (delay as number) > MAX_DELAY_SECONDS) throw new Error(`step ${i}: delay must be 0..${MAX_DELAY_SECONDS} seconds`);
    if ((delay as number) < last) throw new Error(`step ${i}: steps go in order of delay`);
    last = delay as number;
    const condition = (o.condition ?? (i === 0 ? 'always' : 'not_delivered')) as UmsStepCondition;
    if (!CONDITIONS.includes(condition)) throw new Error(`step ${i}: condition must be one of ${CONDITIONS.join(', ')}`);
    if (i === 0 && condition !== 'always') throw new Error('the first step has no earlier step to check: its condition is always');
    return { channel: o.channel, delaySeconds: delay as number, condition };
  });
}

/** `app`, `sms:30:not_delivered`, `email:60:not_clicked`: the CLI's compact step form. */
export function parseStepFlag(flag: string): Record<string, unknown> {
  const [channel, delay, condition] = flag.split(':');
  return { channel, ...(delay !== undefined && { delay: Number(delay) }), ...(condition !== undefined && { condition }) };
}

export function policyToWire(p: { ruleId: number; name: string; enabled: boolean; steps: UmsPolicyStep[] }) {
  return { rule_id: p.ruleId, name: p.name, enabled: p.enabled, steps: p.steps.map((s) => ({ channel: s.channel, delay: s.delaySeconds, condition: s.condition })) };
}
