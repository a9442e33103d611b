import { readFileSync } from 'node:fs';
import { loadSealingKey } from '../channels/sealing.js';
import type { Config } from '../config.js';
import { closeMessaging, createMessagingRegistry } from '../messaging/registry.js';
import { openStore } from '../node.js';
import type { Store } from '../store/types.js';
import { ALL_RECORD_TYPES, verifyCallbackUrl } from '../ums/callbacks.js';
import { parsePolicySteps, parseStepFlag, policyToWire } from '../ums/policies.js';
import { traceOf } from '../ums/trace.js';
import { approveMessage, heldForReview, rejectMessage } from '../ums/review.js';
import { ChannelSettingsError, setChannelEnabled, updateChannelSettings } from '../ums/channels.js';
import { parseTemplateContent, templateToWire } from '../ums/templates.js';
import { channelBasic, createAccessKey, createChannel, rotateChannelSecret, setMessagingCredentials } from '../ums/secrets.js';
import { USERID, validTag } from '../ums/users.js';
import { UsageError, configFrom, parse } from './args.js';

export const UMS_USAGE = `borealis ums channel create --name NAME [--app APP_KEY] [--owner-required] [--broadcasts-per-day N] [--json]
borealis ums channel list [--json] | enable CHANNEL_KEY | disable CHANNEL_KEY | rotate-secret CHANNEL_KEY [--json]
borealis ums channel settings CHANNEL_KEY [--sensitive-words W1,W2..] [--quiet-hours HH:MM-HH:MM[+HH:MM]|off] [--vip|--no-vip]
borealis ums template create --name NAME --file CONTENT.json [--single] [--disabled] [--json]
borealis ums template list [--json] | enable TEMPLATE_ID | disable TEMPLATE_ID | delete TEMPLATE_ID
borealis ums accesskey create [--json] | list [--json] | disable ACCESS_KEY
borealis ums credentials CHANNEL_KEY sms --key K --secret S [--endpoint URL] [--sign-id N]
borealis ums credentials CHANNEL_KEY email --host H [--port P] [--secure] [--user U --pass P] --from ADDRESS [--allow-self-signed]
borealis ums credentials CHANNEL_KEY CHANNEL --file FILE     (any messaging channel: its credentials object as JSON)
borealis ums credentials CHANNEL_KEY CHANNEL --off
borealis ums callback CHANNEL_KEY --add URL [--default] [--types 0,1,..,8] | --remove URL | --list
borealis ums policy create --name NAME --step CHANNEL[:DELAY_S[:CONDITION]].. [--disabled] [--json]
borealis ums policy list [--json] | enable RULE_ID | disable RULE_ID | delete RULE_ID
borealis ums list create --kind black|white --name NAME --users U1,U2.. [--json]
borealis ums segment create --id ID --name NAME [--tag T].. [--tag-and T].. [--tag-not T]..
borealis ums review list [--json] | approve MSGID | reject MSGID      (channels with --owner-required)
borealis ums trace MSGID [--user USERID] [--json]
  (UMS v1 API: channels authenticate sends with ChannelKey:MasterSecret, the AccessKey manages
   users and policies; see docs/ums.md. Each takes --data DIR and --config FILE)`;

const list = (v: string | undefined) => (v ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');

export async function umsCommand(args: string[]): Promise<number> {
  const [area, sub, ...rest] = args;
  const { values, positionals } = parse(sub?.startsWith('-') ? [sub, ...rest] : rest, {
    name: { type: 'string' },
    app: { type: 'string' },
    'owner-required': { type: 'boolean' },
    'broadcasts-per-day': { type: 'string' },
    json: { type: 'boolean' },
    file: { type: 'string' },
    off: { type: 'boolean' },
    key: { type: 'string' },
    secret: { type: 'string' },
    endpoint: { type: 'string' },
    'sign-id': { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    secure: { type: 'boolean' },
    user: { type: 'string' },
    pass: { type: 'string' },
    from: { type: 'string' },
    'allow-self-signed': { type: 'boolean' },
    remove: { type: 'string' },
    add: { type: 'string' },
    default: { type: 'boolean' },
    types: { type: 'string' },
    list: { type: 'boolean' },
    step: { type: 'string', multiple: true },
    disabled: { type: 'boolean' },
    kind: { type: 'string' },
    users: { type: 'string' },
    id: { type: 'string' },
    tag: { type: 'string', multiple: true },
    'tag-and': { type: 'string', multiple: true },
    'tag-not': { type: 'string', multiple: true },
    out: { type: 'string' },
    'sensitive-words': { type: 'string' },
    'quiet-hours': { type: 'string' },
    vip: { type: 'boolean' },
    'no-vip': { type: 'boolean' },
    single: { type: 'boolean' },
  });
  if (values.help || area === undefined || area === 'help') {
    console.log(UMS_USAGE);
    return area === undefined ? 2 : 0;
  }
  const asJson = values.json === true;
  const config = configFrom({ ...values, port: undefined, host: undefined });
  const store = openStore(config);
  try {
    switch (area) {
      case 'channel':
        return await channelCmd(store, config, sub, positionals, values, asJson);
      case 'accesskey':
        return await accessKeyCmd(store, sub, positionals, asJson);
      case 'credentials':
        return await credentialsCmd(store, config, sub, positionals, values);
      case 'callback':
        return await callbackCmd(store, config, sub, values);
      case 'policy':
        return await policyCmd(store, sub, positionals, values, asJson);
      case 'template':
        return await templateCmd(store, sub, positionals, values, asJson);
      case 'review':
        return await reviewCmd(store, sub, positionals, asJson);
      case 'list':
        return await listCmd(store, sub, values);
      case 'segment':
        return await segmentCmd(store, sub, values);
      case 'trace':
        return await traceCmd(store, sub, values, asJson);
      default:
        throw new UsageError(`unknown ums command: ${area}\n\n${UMS_USAGE}`);
    }
  } finally {
    await store.close();
  }
}

type Values = Record<string, unknown>;
const str = (v: Values, k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
const strs = (v: Values, k: string) => (Array.isArray(v[k]) ? (v[k] as string[]) : []);

async function channelCmd(store: Store, config: Config, sub: string | undefined, pos: string[], v: Values, asJson: boolean): Promise<number> {
  if (sub === 'create') {
    const name = str(v, 'name');
    if (!name || name.length > 128) throw new UsageError('ums channel create needs --name NAME');
    const appKey = str(v, 'app') ?? null;
    if (appKey !== null && !(await store.apps.get(appKey))) throw new UsageError(`no app ${appKey}`);
    const perDay = str(v, 'broadcasts-per-day');
    if (perDay !== undefined && !/^[0-9]{1,6}$/.test(perDay)) throw new UsageError('--broadcasts-per-day takes a number');
    const sealingKey = loadSealingKey(config.channels.credentialsKey, config.dataDir);
    const creds = await createChannel(store.ums, sealingKey, { name, appKey, ownerRequired: v['owner-required'] === true, broadcastPerDay: perDay === undefined ? null : Number(perDay) });
    if (asJson) console.log(JSON.stringify({ ...creds, appKey }));
    else console.log(`channelKey:   ${creds.channelKey}\nmasterSecret: ${creds.masterSecret}\napp:          ${appKey ?? '-'}`);
    return 0;
  }
  if (sub === 'list') {
    const rows = (await store.ums.listChannels()).map((c) => ({ channelKey: c.channelKey, name: c.name, appKey: c.appKey, enabled: c.enabled, ownerRequired: c.ownerRequired }));
    if (asJson) console.log(JSON.stringify(rows));
    else for (const c of rows) console.log(`${c.channelKey}  ${c.enabled ? 'enabled ' : 'disabled'}  app ${c.appKey ?? '-'}  ${c.name}`);
    return 0;
  }
  if (sub === 'enable' || sub === 'disable') {
    const c = pos[0] ? await setChannelEnabled(store.ums, pos[0], sub === 'enable') : undefined;
    if (!c) throw new UsageError(`ums channel ${sub} needs an existing CHANNEL_KEY`);
    console.log(JSON.stringify({ channelKey: c.channelKey, enabled: c.enabled }));
    return 0;
  }
  if (sub === 'rotate-secret') {
    const creds = pos[0] ? await rotateChannelSecret(store.ums, loadSealingKey(config.channels.credentialsKey, config.dataDir), pos[0]) : undefined;
    if (!creds) throw new UsageError('ums channel rotate-secret needs an existing CHANNEL_KEY');
    if (asJson) console.log(JSON.stringify(creds));
    else console.log(`channelKey:   ${creds.channelKey}\nmasterSecret: ${creds.masterSecret}`);
    return 0;
  }
  if (sub === 'settings') {
    const c = pos[0] ? await store.ums.getChannel(pos[0]) : undefined;
    if (!c) throw new UsageError('ums channel settings needs an existing CHANNEL_KEY');
    const words = str(v, 'sensitive-words');
    const quiet = str(v, 'quiet-hours');
    let next;
    try {
      next = await updateChannelSettings(store.ums, c.channelKey, {
        ...(words !== undefined && { sensitiveWords: words.split(',') }),
        ...(quiet !== undefined && { quietHours: quiet === 'off' ? null : quiet }),
        ...(v.vip === true && { vip: true }),
        ...(v['no-vip'] === true && { vip: false }),
      });
    } catch (err) {
      if (err instanceof ChannelSettingsError) throw new UsageError(err.message);
      throw err;
    }
    console.log(JSON.stringify({ channelKey: c.channelKey, ...next }));
    return 0;
  }
  throw new UsageError(`unknown ums channel command: ${sub}`);
}

async function reviewCmd(store: Store, sub: string | undefined, pos: string[], asJson: boolean): Promise<number> {
  if (sub === 'list') {
    const held = await heldForReview(store.ums);
    const rows = [];
    for (const msgid of held) {
      const m = await store.ums.getMessage(msgid);
      if (m) rows.push({ msgid, channelKey: m.channelKey, owner: m.owner, kind: m.kind, channels: Object.keys(m.content), createdAt: new Date(m.createdAt).toISOString() });
    }
    if (asJson) console.log(JSON.stringify(rows));
    else console.log(rows.map((r) => `${r.msgid}  ${r.createdAt}  channel ${r.channelKey}  owner ${r.owner ?? '-'}  ${r.kind} ${r.channels.join(',')}`).join('\n') || 'nothing to review');
    return 0;
  }
  if ((sub === 'approve' || sub === 'reject') && pos[0]) {
    const done = sub === 'approve' ? await approveMessage(store.ums, pos[0], Date.now()) : await rejectMessage(store.ums, pos[0], Date.now());
    if (!done) throw new UsageError(`message ${pos[0]} is not waiting for review`);
    console.log(JSON.stringify({ msgid: pos[0], [sub === 'approve' ? 'approved' : 'rejected']: true }));
    return 0;
  }
  throw new UsageError('ums review list | approve MSGID | reject MSGID');
}

async function templateCmd(store: Store, sub: string | undefined, pos: string[], v: Values, asJson: boolean): Promise<number> {
  if (sub === 'create') {
    const name = str(v, 'name');
    const file = str(v, 'file');
    if (!name || name.length > 128 || !file) throw new UsageError('ums template create needs --name NAME --file CONTENT.json');
    let content;
    try {
      content = parseTemplateContent(JSON.parse(readFileSync(file, 'utf8')));
    } catch (err) {
      throw new UsageError(`--file: ${(err as Error).message}`);
    }
    const t = { templateId: await store.ums.nextTemplateId(), name, general: v.single !== true, enabled: v.disabled !== true, content, createdAt: Date.now() };
    await store.ums.putTemplate(t);
    console.log(asJson ? JSON.stringify(templateToWire(t)) : `template_id: ${t.templateId}`);
    return 0;
  }
  if (sub === 'list') {
    const rows = (await store.ums.listTemplates()).map(templateToWire);
    console.log(asJson ? JSON.stringify(rows) : rows.map((t) => `${t.template_id}  ${t.enabled ? 'enabled ' : 'disabled'}  ${t.general ? 'general' : 'single '}  ${t.name}  ${Object.keys(t.content).join(',')}`).join('\n') || 'no templates');
    return 0;
  }
  const id = Number(pos[0]);
  const t = Number.isSafeInteger(id) ? await store.ums.getTemplate(id) : undefined;
  if (!t) throw new UsageError(`ums template ${sub ?? ''} needs an existing TEMPLATE_ID`);
  if (sub === 'enable' || sub === 'disable') await store.ums.putTemplate({ ...t, enabled: sub === 'enable' });
  else if (sub === 'delete') await store.ums.deleteTemplate(id);
  else throw new UsageError(`unknown ums template command: ${sub}`);
  console.log(JSON.stringify({ template_id: id, [sub === 'delete' ? 'deleted' : 'enabled']: sub !== 'disable' }));
  return 0;
}

async function accessKeyCmd(store: Store, sub: string | undefined, pos: string[], asJson: boolean): Promise<number> {
  if (sub === 'create') {
    const k = await createAccessKey(store.ums);
    if (asJson) console.log(JSON.stringify(k));
    else console.log(`accessKey: ${k.accessKey}\nsecret:    ${k.secret}`);
    return 0;
  }
  if (sub === 'list') {
    const rows = (await store.ums.listAccessKeys()).map((k) => ({ accessKey: k.accessKey, enabled: k.enabled, createdAt: new Date(k.createdAt).toISOString() }));
    console.log(asJson ? JSON.stringify(rows) : rows.map((r) => `${r.accessKey}  ${r.enabled ? 'enabled' : 'disabled'}  ${r.createdAt}`).join('\n') || 'no AccessKeys');
    return 0;
  }
  if (sub === 'disable') {
    const k = pos[0] ? await store.ums.getAccessKey(pos[0]) : undefined;
    if (!k) throw new UsageError('ums accesskey disable needs an existing ACCESS_KEY');
    await store.ums.putAccessKey({ ...k, enabled: false });
    console.log(JSON.stringify({ accessKey: k.accessKey, enabled: false }));
    return 0;
  }
  throw new UsageError(`unknown ums accesskey command: ${sub}`);
}

async function credentialsCmd(store: Store, config: Config, channelKey: string | undefined, pos: string[], v: Values): Promise<number> {
  const channel = pos[0];
  const c = channelKey ? await store.ums.getChannel(channelKey) : undefined;
  if (!c || !channel) throw new UsageError('ums credentials needs an existing CHANNEL_KEY and a channel (sms, email, ...)');
  if (v.off === true) {
    const removed = await store.ums.removeCredentials(c.channelKey, channel);
    console.log(JSON.stringify({ channelKey: c.channelKey, channel, removed }));
    return 0;
  }
  let raw: Record<string, unknown>;
  const file = str(v, 'file');
  if (file !== undefined) raw = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8')) as Record<string, unknown>;
  else if (channel === 'sms') {
    const signId = str(v, 'sign-id');
    raw = { key: str(v, 'key'), secret: str(v, 'secret'), endpoint: str(v, 'endpoint') ?? config.sms.endpoint, ...(signId !== undefined && { signId: Number(signId) }) };
  } else if (channel === 'email') {
    const port = str(v, 'port');
    raw = {
      host: str(v, 'host'),
      port: port === undefined ? 587 : Number(port),
      secure: v.secure === true,
      from: str(v, 'from'),
      ...(str(v, 'user') !== undefined && { user: str(v, 'user'), pass: str(v, 'pass') }),
      allowSelfSigned: v['allow-self-signed'] === true,
    };
  } else throw new UsageError(`credentials of ${channel} are given with --file FILE`);
  const registry = createMessagingRegistry({ timeoutMs: 1000, concurrency: 1, smsEndpoint: config.sms.endpoint, smtpConnections: 1, vendors: config.messaging });
  try {
    const problem = await setMessagingCredentials(store.ums, loadSealingKey(config.channels.credentialsKey, config.dataDir), registry, c.channelKey, channel, raw);
    if (problem) {
      console.error(`borealis: ${channel} credentials refused: ${problem}`);
      return 2;
    }
  } finally {
    await closeMessaging(registry);
  }
  console.log(JSON.stringify({ channelKey: c.channelKey, channel, stored: true }));
  return 0;
}

async function callbackCmd(store: Store, config: Config, channelKey: string | undefined, v: Values): Promise<number> {
  const c = channelKey ? await store.ums.getChannel(channelKey) : undefined;
  if (!c) throw new UsageError('ums callback needs an existing CHANNEL_KEY');
  const add = str(v, 'add');
  const remove = str(v, 'remove');
  if (add !== undefined) {
    if (!/^https?:\/\/[^/\s]+\S*$/.test(add)) throw new UsageError('--add takes an http(s) URL');
    const types = str(v, 'types') === undefined ? ALL_RECORD_TYPES : list(str(v, 'types')).reduce((bits, t) => {
      if (!/^[0-8]$/.test(t)) throw new UsageError('--types takes record types 0..8');
      return bits | (1 << Number(t));
    }, 0);
    const problem = await verifyCallbackUrl(add, channelBasic(loadSealingKey(config.channels.credentialsKey, config.dataDir), c), 10_000);
    if (problem) {
      console.error(`borealis: ${add} not verified: ${problem}`);
      return 1;
    }
    const existing = await store.ums.callbackUrls(c.channelKey);
    if (existing.length >= 5 && !existing.some((u) => u.url === add)) throw new UsageError('a channel has at most 5 callback URLs');
    await store.ums.addCallbackUrl({ channelKey: c.channelKey, url: add, isDefault: v.default === true || existing.length === 0, types }, Date.now());
  } else if (remove !== undefined) {
    if (!(await store.ums.removeCallbackUrl(c.channelKey, remove))) {
      console.error(`no callback URL ${remove}`);
      return 1;
    }
  }
  console.log(JSON.stringify(await store.ums.callbackUrls(c.channelKey)));
  return 0;
}

async function policyCmd(store: Store, sub: string | undefined, pos: string[], v: Values, asJson: boolean): Promise<number> {
  if (sub === 'create') {
    const name = str(v, 'name');
    if (!name) throw new UsageError('ums policy create needs --name NAME');
    let steps;
    try {
      steps = parsePolicySteps(strs(v, 'step').map(parseStepFlag));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const policy = { ruleId: await store.ums.nextRuleId(), name, enabled: v.disabled !== true, steps, createdAt: Date.now() };
    await store.ums.putPolicy(policy);
    console.log(asJson ? JSON.stringify(policyToWire(policy)) : `rule_id: ${policy.ruleId}`);
    return 0;
  }
  if (sub === 'list') {
    const rows = (await store.ums.listPolicies()).map(policyToWire);
    console.log(asJson ? JSON.stringify(rows) : rows.map((r) => `${r.rule_id}  ${r.enabled ? 'enabled ' : 'disabled'}  ${r.name}  ${r.steps.map((s) => `${s.channel}:${s.delay}:${s.condition}`).join(' -> ')}`).join('\n') || 'no policies');
    return 0;
  }
  const id = Number(pos[0]);
  const p = Number.isSafeInteger(id) ? await store.ums.getPolicy(id) : undefined;
  if (!p) throw new UsageError(`ums policy ${sub} needs an existing RULE_ID`);
  if (sub === 'enable' || sub === 'disable') await store.ums.putPolicy({ ...p, enabled: sub === 'enable' });
  else if (sub === 'delete') await store.ums.deletePolicy(id);
  else throw new UsageError(`unknown ums policy command: ${sub}`);
  console.log(JSON.stringify({ rule_id: id, [sub === 'delete' ? 'deleted' : 'enabled']: sub !== 'disable' }));
  return 0;
}

async function listCmd(store: Store, sub: string | undefined, v: Values): Promise<number> {
  if (sub !== 'create') throw new UsageError('ums list create --kind black|white --name NAME --users U1,U2');
  const kind = str(v, 'kind');
  if (kind !== 'black' && kind !== 'white') throw new UsageError('--kind is black or white');
  const users = list(str(v, 'users'));
  if (users.length === 0 || !users.every((u) => USERID.test(u))) throw new UsageError('--users takes user ids');
  const id = await store.ums.createList(kind, str(v, 'name') ?? kind, users);
  console.log(JSON.stringify({ id, kind, users: users.length }));
  return 0;
}

async function segmentCmd(store: Store, sub: string | undefined, v: Values): Promise<number> {
  if (sub !== 'create') throw new UsageError('ums segment create --id ID --name NAME [--tag T]..');
  const id = str(v, 'id');
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new UsageError('--id takes 1..64 letters, digits, _ or -');
  const tags = [...strs(v, 'tag'), ...strs(v, 'tag-and'), ...strs(v, 'tag-not')];
  if (!tags.every(validTag)) throw new UsageError('tags are at most 40 bytes of letters, digits and _@!#$&*+=.|');
  await store.ums.putSegment({ id, name: str(v, 'name') ?? id, tag: strs(v, 'tag'), tagAnd: strs(v, 'tag-and'), tagNot: strs(v, 'tag-not') });
  console.log(JSON.stringify({ id }));
  return 0;
}

async function traceCmd(store: Store, msgid: string | undefined, v: Values, asJson: boolean): Promise<number> {
  const m = msgid ? await store.ums.getMessage(msgid) : undefined;
  if (!m) {
    console.error(`no message ${msgid ?? ''}`);
    return 1;
  }
  const trace = traceOf(m, await store.ums.jobsOf(m.msgid, str(v, 'user')));
  const rows = trace.jobs;
  if (asJson) console.log(JSON.stringify(trace));
  else {
    console.log(`message ${m.msgid}  channel ${m.channelKey}  rule ${m.ruleId}${m.retractedAt !== null ? '  retracted' : ''}`);
    for (const r of rows) console.log(`${r.target}  step ${r.step} ${r.channel}  ${r.state}  ${r.addresses.join(',') || '-'}${r.delivered ? '  delivered' : ''}${r.clicked ? '  clicked' : ''}${r.note ? `  (${r.note})` : ''}`);
  }
  return 0;
}
