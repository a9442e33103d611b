import type Database from 'better-sqlite3';
import type {
  UmsBinding,
  UmsBindKind,
  UmsJob,
  UmsMessageRecord,
  UmsPolicy,
  UmsPolicyStep,
  UmsSegment,
  UmsStore,
  UmsTemplate,
} from '../ums-types.js';
import { DEFAULT_UMS_SETTINGS } from '../ums-types.js';
import { umsJobFromRow } from '../ums-rows.js';

type Row = Record<string, unknown>;

/** Lists of ids go to SQLite in chunks, under its bound-parameter limit. */
const CHUNK = 500;

function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

const marks = (n: number) => Array.from({ length: n }, () => '?').join(',');

function toPolicy(r: Row): UmsPolicy {
  return {
    ruleId: Number(r.rule_id),
    name: r.name as string,
    enabled: r.enabled === 1,
    steps: JSON.parse(r.steps as string) as UmsPolicyStep[],
    createdAt: Number(r.created_at),
  };
}

function toTemplate(r: Row): UmsTemplate {
  return {
    templateId: Number(r.template_id),
    name: r.name as string,
    general: r.general === 1,
    enabled: r.enabled === 1,
    content: JSON.parse(r.content as string) as UmsTemplate['content'],
    createdAt: Number(r.created_at),
  };
}

/** The message row keeps everything but its id, kind and times in one JSON body. */
type MessageBody = Omit<UmsMessageRecord, 'msgid' | 'channelKey' | 'kind' | 'createdAt' | 'retractedAt'>;

export function sqliteUmsStore(db: Database.Database): UmsStore {
  const s = {
    channelPut: db.prepare(
      `INSERT INTO ums_channels (channel_key, name, secret_hash, secret_sealed, app_key, enabled, owner_required, broadcast_per_day, created_at)
       VALUES (@channelKey, @name, @secretHash, @secretSealed, @appKey, @enabled, @ownerRequired, @broadcastPerDay, @createdAt)
       ON CONFLICT (channel_key) DO UPDATE SET name = excluded.name, secret_hash = excluded.secret_hash,
         secret_sealed = excluded.secret_sealed, app_key = excluded.app_key, enabled = excluded.enabled,
         owner_required = excluded.owner_required, broadcast_per_day = excluded.broadcast_per_day`,
    ),
    channelGet: db.prepare('SELECT * FROM ums_channels WHERE channel_key = ?'),
    channelList: db.prepare('SELECT * FROM ums_channels ORDER BY created_at'),
    keyPut: db.prepare(
      `INSERT INTO ums_access_keys (access_key, secret_hash, enabled, created_at) VALUES (@accessKey, @secretHash, @enabled, @createdAt)
       ON CONFLICT (access_key) DO UPDATE SET secret_hash = excluded.secret_hash, enabled = excluded.enabled`,
    ),
    keyGet: db.prepare('SELECT * FROM ums_access_keys WHERE access_key = ?'),
    keyList: db.prepare('SELECT * FROM ums_access_keys ORDER BY created_at'),
    credPut: db.prepare(
      `INSERT INTO ums_credentials (channel_key, channel, sealed, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (channel_key, channel) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
    ),
    credGet: db.prepare('SELECT sealed FROM ums_credentials WHERE channel_key = ? AND channel = ?'),
    credDelete: db.prepare('DELETE FROM ums_credentials WHERE channel_key = ? AND channel = ?'),
    userUpsert: db.prepare(
      'INSERT INTO ums_users (userid, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT (userid) DO UPDATE SET updated_at = excluded.updated_at',
    ),
    userDelete: db.prepare('DELETE FROM ums_users WHERE userid = ?'),
    userBindingsDelete: db.prepare('DELETE FROM ums_bindings WHERE userid = ?'),
    bindAdd: db.prepare('INSERT OR IGNORE INTO ums_bindings (userid, kind, bind_id, value) VALUES (?, ?, ?, ?)'),
    bindDel: db.prepare('DELETE FROM ums_bindings WHERE userid = ? AND kind = ? AND bind_id = ? AND value = ?'),
    bindClear: db.prepare('DELETE FROM ums_bindings WHERE userid = ? AND kind = ? AND bind_id = ?'),
    usersAfter: db.prepare('SELECT userid FROM ums_users WHERE userid > ? ORDER BY userid LIMIT ?').pluck(),
    userOfAddress: db.prepare('SELECT userid FROM ums_bindings WHERE kind = ? AND value = ? AND bind_id = ? LIMIT 1').pluck(),
    listInsert: db.prepare('INSERT INTO ums_lists (kind, name, userids) VALUES (?, ?, ?)'),
    listGet: db.prepare('SELECT * FROM ums_lists WHERE id = ?'),
    segmentPut: db.prepare(
      'INSERT INTO ums_segments (id, name, definition) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, definition = excluded.definition',
    ),
    segmentGet: db.prepare('SELECT * FROM ums_segments WHERE id = ?'),
    policyPut: db.prepare(
      `INSERT INTO ums_policies (rule_id, name, enabled, steps, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (rule_id) DO UPDATE SET name = excluded.name, enabled = excluded.enabled, steps = excluded.steps`,
    ),
    policyGet: db.prepare('SELECT * FROM ums_policies WHERE rule_id = ?'),
    policyList: db.prepare('SELECT * FROM ums_policies ORDER BY rule_id'),
    policyDelete: db.prepare('DELETE FROM ums_policies WHERE rule_id = ?'),
    policyMax: db.prepare('SELECT max(rule_id) FROM ums_policies').pluck(),
    broadcastsSince: db.prepare(`SELECT count(*) FROM ums_messages WHERE channel_key = ? AND kind = 'broadcast' AND created_at >= ?`).pluck(),
    messageInsert: db.prepare('INSERT INTO ums_messages (msgid, channel_key, kind, body, created_at) VALUES (?, ?, ?, ?, ?)'),
    messageGet: db.prepare('SELECT * FROM ums_messages WHERE msgid = ?'),
    messageRetract: db.prepare('UPDATE ums_messages SET retracted_at = ? WHERE msgid = ? AND retracted_at IS NULL'),
    jobInsert: db.prepare(
      `INSERT OR IGNORE INTO ums_jobs (msgid, step, target, channel, priority, due_at, state, addresses)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`,
    ),
    jobsRetract: db.prepare(`UPDATE ums_jobs SET state = 'retracted', done_at = ? WHERE msgid = ? AND state = 'pending' RETURNING *`),
    due: db.prepare(`SELECT * FROM ums_jobs WHERE state = 'pending' AND due_at <= ? ORDER BY priority, due_at LIMIT ?`),
    claim: db.prepare(`UPDATE ums_jobs SET state = 'claimed', attempts = attempts + 1 WHERE msgid = ? AND step = ? AND target = ? AND state = 'pending'`),
    finish: db.prepare('UPDATE ums_jobs SET state = ?, note = ?, push_msg_id = coalesce(?, push_msg_id), done_at = ? WHERE msgid = ? AND step = ? AND target = ?'),
    retry: db.prepare(`UPDATE ums_jobs SET state = 'pending', due_at = ?, note = ? WHERE msgid = ? AND step = ? AND target = ? AND state = 'claimed'`),
    jobsOf: db.prepare('SELECT * FROM ums_jobs WHERE msgid = ? ORDER BY target, step'),
    jobsOfTarget: db.prepare('SELECT * FROM ums_jobs WHERE msgid = ? AND target = ? ORDER BY step'),
    delivered: db.prepare('UPDATE ums_jobs SET delivered_at = coalesce(delivered_at, ?) WHERE push_msg_id = ? AND target = ?'),
    clicked: db.prepare('UPDATE ums_jobs SET clicked_at = coalesce(clicked_at, ?), delivered_at = coalesce(delivered_at, ?) WHERE push_msg_id = ? AND target = ?'),
    appPushGet: db.prepare('SELECT msgid, step FROM ums_app_pushes WHERE push_msg_id = ?'),
    appPushPut: db.prepare('INSERT OR IGNORE INTO ums_app_pushes (push_msg_id, msgid, step) VALUES (?, ?, ?)'),
    appPushesOf: db.prepare('SELECT push_msg_id FROM ums_app_pushes WHERE msgid = ?').pluck(),
    urlPut: db.prepare(
      `INSERT INTO ums_callback_urls (channel_key, url, is_default, types, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (channel_key, url) DO UPDATE SET is_default = excluded.is_default, types = excluded.types`,
    ),
    urlUndefault: db.prepare('UPDATE ums_callback_urls SET is_default = 0 WHERE channel_key = ?'),
    urlDelete: db.prepare('DELETE FROM ums_callback_urls WHERE channel_key = ? AND url = ?'),
    urls: db.prepare('SELECT * FROM ums_callback_urls WHERE channel_key = ? ORDER BY is_default DESC, created_at'),
    recordInsert: db.prepare('INSERT INTO ums_callback_queue (url, channel_key, record, next_at) VALUES (?, ?, ?, ?)'),
    recordsDue: db.prepare('SELECT id, url, channel_key, record, attempts FROM ums_callback_queue WHERE next_at <= ? ORDER BY id LIMIT ?'),
    recordDelete: db.prepare('DELETE FROM ums_callback_queue WHERE id = ?'),
    recordFail: db.prepare('UPDATE ums_callback_queue SET attempts = attempts + 1, next_at = ? WHERE id = ? RETURNING attempts'),
    materialPut: db.prepare(
      'INSERT INTO ums_materials (id, channel_key, filename, content_type, data, expires_at) VALUES (@id, @channelKey, @filename, @contentType, @data, @expiresAt)',
    ),
    materialGet: db.prepare('SELECT * FROM ums_materials WHERE id = ?'),
    templatePut: db.prepare(
      `INSERT INTO ums_templates (template_id, name, general, enabled, content, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (template_id) DO UPDATE SET name = excluded.name, general = excluded.general, enabled = excluded.enabled, content = excluded.content`,
    ),
    templateGet: db.prepare('SELECT * FROM ums_templates WHERE template_id = ?'),
    templateList: db.prepare('SELECT * FROM ums_templates ORDER BY template_id'),
    templateDelete: db.prepare('DELETE FROM ums_templates WHERE template_id = ?'),
    templateMax: db.prepare('SELECT max(template_id) FROM ums_templates').pluck(),
    settingsPut: db.prepare('INSERT INTO ums_channel_settings (channel_key, settings) VALUES (?, ?) ON CONFLICT (channel_key) DO UPDATE SET settings = excluded.settings'),
    settingsGet: db.prepare('SELECT settings FROM ums_channel_settings WHERE channel_key = ?').pluck(),
    materialsExpired: db.prepare('DELETE FROM ums_materials WHERE expires_at < ?'),
  };

  const toChannel = (r: Row) => ({
    channelKey: r.channel_key as string,
    name: r.name as string,
    secretHash: r.secret_hash as Buffer,
    secretSealed: r.secret_sealed as Buffer,
    appKey: (r.app_key as string | null) ?? null,
    enabled: r.enabled === 1,
    ownerRequired: r.owner_required === 1,
    broadcastPerDay: r.broadcast_per_day == null ? null : Number(r.broadcast_per_day),
    createdAt: Number(r.created_at),
  });
  const toKey = (r: Row) => ({ accessKey: r.access_key as string, secretHash: r.secret_hash as Buffer, enabled: r.enabled === 1, createdAt: Number(r.created_at) });

  const changeUser = db.transaction((userid: string, changes: Parameters<UmsStore['changeUser']>[1], at: number) => {
    s.userUpsert.run(userid, at, at);
    for (const c of changes) {
      if (c.op === 'clear') s.bindClear.run(userid, c.kind, c.bindId);
      else if (c.op === 'add') s.bindAdd.run(userid, c.binding.kind, c.binding.bindId, c.binding.value);
      else s.bindDel.run(userid, c.binding.kind, c.binding.bindId, c.binding.value);
    }
  });
  const deleteUsers = db.transaction((userids: readonly string[]) => {
    const gone: string[] = [];
    for (const u of userids) {
      if (s.userDelete.run(u).changes === 1) gone.push(u);
      s.userBindingsDelete.run(u);
    }
    return gone;
  });
  const insertMessage = db.transaction((m: UmsMessageRecord, jobs: Parameters<UmsStore['insertMessage']>[1], limit: number, dayStart: number) => {
    if (m.kind === 'broadcast' && limit > 0 && Number(s.broadcastsSince.get(m.channelKey, dayStart)) >= limit) return false;
    const { msgid, channelKey, kind, createdAt, retractedAt: _r, ...body } = m;
    s.messageInsert.run(msgid, channelKey, kind, JSON.stringify(body satisfies MessageBody), createdAt);
    for (const j of jobs) s.jobInsert.run(msgid, j.step, j.target, j.channel, m.priority, j.dueAt, JSON.stringify(j.addresses));
    return true;
  });
  const retract = db.transaction((msgid: string, at: number) => {
    if (s.messageRetract.run(at, msgid).changes !== 1) return undefined;
    return (s.jobsRetract.all(at, msgid) as Row[]).map(umsJobFromRow);
  });
  const claim = db.transaction((msgid: string, step: number, targets: readonly string[]) => targets.filter((t) => s.claim.run(msgid, step, t).changes === 1));
  const mark = db.transaction((rows: Parameters<UmsStore['markReceipts']>[0]) => {
    for (const r of rows) {
      if (r.clicked !== undefined) s.clicked.run(r.clicked, r.clicked, r.pushMsgId, r.target);
      else if (r.delivered !== undefined) s.delivered.run(r.delivered, r.pushMsgId, r.target);
    }
  });
  const queue = db.transaction((rows: Parameters<UmsStore['queueRecords']>[0], at: number) => {
    for (const r of rows) s.recordInsert.run(r.url, r.channelKey, r.record, at);
  });
  const removeRecords = db.transaction((ids: readonly number[]) => {
    for (const id of ids) s.recordDelete.run(id);
  });
  const failRecords = db.transaction((ids: readonly number[], nextAt: number, maxAttempts: number) => {
    let dropped = 0;
    for (const id of ids) {
      const attempts = Number((s.recordFail.get(nextAt, id) as Row | undefined)?.attempts ?? 0);
      if (attempts >= maxAttempts) {
        s.recordDelete.run(id);
        dropped++;
      }
    }
    return dropped;
  });

  return {
    async putChannel(c) {
      s.channelPut.run({ ...c, enabled: c.enabled ? 1 : 0, ownerRequired: c.ownerRequired ? 1 : 0 });
    },
    async getChannel(channelKey) {
      const r = s.channelGet.get(channelKey) as Row | undefined;
      return r ? toChannel(r) : undefined;
    },
    async listChannels() {
      return (s.channelList.all() as Row[]).map(toChannel);
    },
    async putAccessKey(k) {
      s.keyPut.run({ ...k, enabled: k.enabled ? 1 : 0 });
    },
    async getAccessKey(accessKey) {
      const r = s.keyGet.get(accessKey) as Row | undefined;
      return r ? toKey(r) : undefined;
    },
    async listAccessKeys() {
      return (s.keyList.all() as Row[]).map(toKey);
    },
    async putCredentials(channelKey, channel, sealed, at) {
      s.credPut.run(channelKey, channel, sealed, at);
    },
    async getCredentials(channelKey, channel) {
      return (s.credGet.get(channelKey, channel) as Row | undefined)?.sealed as Buffer | undefined;
    },
    async removeCredentials(channelKey, channel) {
      return s.credDelete.run(channelKey, channel).changes === 1;
    },

    async changeUser(userid, changes, at) {
      changeUser.immediate(userid, changes, at);
    },
    async deleteUsers(userids) {
      return deleteUsers.immediate(userids);
    },
    async existingUsers(userids) {
      const out: string[] = [];
      for (const c of chunks(userids)) {
        out.push(...(db.prepare(`SELECT userid FROM ums_users WHERE userid IN (${marks(c.length)})`).pluck().all(...c) as string[]));
      }
      return out;
    },
    async bindingsOf(userids) {
      const out = new Map<string, UmsBinding[]>();
      for (const c of chunks(userids)) {
        const rows = db.prepare(`SELECT userid, kind, bind_id, value FROM ums_bindings WHERE userid IN (${marks(c.length)})`).all(...c) as Row[];
        for (const r of rows) {
          const u = r.userid as string;
          let list = out.get(u);
          if (!list) out.set(u, (list = []));
          list.push({ kind: r.kind as UmsBindKind, bindId: r.bind_id as string, value: r.value as string });
        }
      }
      return out;
    },
    async usersWithTags(tags, bindIds) {
      if (tags.length === 0) return [];
      const byBind = bindIds ? ` AND bind_id IN (${marks(bindIds.length)})` : '';
      const sql = `SELECT DISTINCT userid FROM ums_bindings WHERE kind = 'tag' AND value IN (${marks(tags.length)})${byBind} ORDER BY userid`;
      return db.prepare(sql).pluck().all(...tags, ...(bindIds ?? [])) as string[];
    },
    async usersAfter(after, limit) {
      return s.usersAfter.all(after, limit) as string[];
    },
    async userOfAddress(kind, bindId, value) {
      return s.userOfAddress.get(kind, value, bindId) as string | undefined;
    },

    async createList(kind, name, userIds) {
      return Number(s.listInsert.run(kind, name, JSON.stringify(userIds)).lastInsertRowid);
    },
    async getList(id) {
      const r = s.listGet.get(id) as Row | undefined;
      if (!r) return undefined;
      return { id: Number(r.id), kind: r.kind as 'black' | 'white', name: r.name as string, userIds: JSON.parse(r.userids as string) as string[] };
    },
    async putSegment(seg) {
      const { id, name, ...definition } = seg;
      s.segmentPut.run(id, name, JSON.stringify(definition));
    },
    async getSegment(id) {
      const r = s.segmentGet.get(id) as Row | undefined;
      if (!r) return undefined;
      return { id: r.id as string, name: r.name as string, ...(JSON.parse(r.definition as string) as Omit<UmsSegment, 'id' | 'name'>) };
    },
    async putPolicy(p) {
      s.policyPut.run(p.ruleId, p.name, p.enabled ? 1 : 0, JSON.stringify(p.steps), p.createdAt);
    },
    async getPolicy(ruleId) {
      const r = s.policyGet.get(ruleId) as Row | undefined;
      return r ? toPolicy(r) : undefined;
    },
    async listPolicies() {
      return (s.policyList.all() as Row[]).map(toPolicy);
    },
    async deletePolicy(ruleId) {
      return s.policyDelete.run(ruleId).changes === 1;
    },
    async nextRuleId() {
      // policies number from 1001, as the reference's examples do
      return Math.max(1000, Number(s.policyMax.get() ?? 0)) + 1;
    },

    async insertMessage(m, jobs, limit, dayStart) {
      return insertMessage.immediate(m, jobs, limit, dayStart);
    },
    async getMessage(msgid) {
      const r = s.messageGet.get(msgid) as Row | undefined;
      if (!r) return undefined;
      const body = JSON.parse(r.body as string) as MessageBody;
      return {
        ...body,
        msgid: r.msgid as string,
        channelKey: r.channel_key as string,
        kind: r.kind as UmsMessageRecord['kind'],
        createdAt: Number(r.created_at),
        retractedAt: r.retracted_at == null ? null : Number(r.retracted_at),
      };
    },
    async retract(msgid, at) {
      return retract.immediate(msgid, at);
    },
    async heldMessages(holdMs, limit) {
      const sql = `SELECT msgid FROM ums_jobs WHERE state = 'pending' AND due_at >= ? GROUP BY msgid ORDER BY min(due_at) LIMIT ?`;
      return db.prepare(sql).pluck().all(holdMs, limit) as string[];
    },
    async releaseHeld(msgid, holdMs, shiftMs) {
      const sql = `UPDATE ums_jobs SET due_at = due_at - ? + ? WHERE msgid = ? AND state = 'pending' AND due_at >= ?`;
      return db.prepare(sql).run(holdMs, shiftMs, msgid, holdMs).changes;
    },
    async dueJobs(now, limit) {
      return (s.due.all(now, limit) as Row[]).map(umsJobFromRow);
    },
    async claimJobs(msgid, step, targets) {
      return claim.immediate(msgid, step, targets);
    },
    async finishJob(msgid, step, target, state, note, pushMsgId, at) {
      s.finish.run(state, note, pushMsgId, at, msgid, step, target);
    },
    async retryJob(msgid, step, target, dueAt, note) {
      s.retry.run(dueAt, note, msgid, step, target);
    },
    async jobsOf(msgid, target) {
      const rows = target === undefined ? s.jobsOf.all(msgid) : s.jobsOfTarget.all(msgid, target);
      return (rows as Row[]).map(umsJobFromRow);
    },
    async earlierJobs(msgid, step, targets) {
      const out: UmsJob[] = [];
      for (const c of chunks(targets)) {
        const rows = db.prepare(`SELECT * FROM ums_jobs WHERE msgid = ? AND step < ? AND target IN (${marks(c.length)})`).all(msgid, step, ...c) as Row[];
        out.push(...rows.map(umsJobFromRow));
      }
      return out;
    },
    async awaitingDelivery(channels, since, limit) {
      if (channels.length === 0) return [];
      const sql = `SELECT * FROM ums_jobs WHERE state = 'submitted' AND push_msg_id IS NOT NULL AND delivered_at IS NULL
                   AND channel IN (${marks(channels.length)}) AND done_at >= ? ORDER BY done_at LIMIT ?`;
      return (db.prepare(sql).all(...channels, since, limit) as Row[]).map(umsJobFromRow);
    },
    async markReceipts(rows) {
      mark.immediate(rows);
    },
    async appPushOf(pushMsgId) {
      const r = s.appPushGet.get(pushMsgId) as Row | undefined;
      return r ? { msgid: r.msgid as string, step: Number(r.step) } : undefined;
    },
    async recordAppPush(pushMsgId, msgid, step) {
      s.appPushPut.run(pushMsgId, msgid, step);
    },
    async appPushesOf(msgid) {
      return s.appPushesOf.all(msgid) as string[];
    },

    async addCallbackUrl(u, at) {
      db.transaction(() => {
        if (u.isDefault) s.urlUndefault.run(u.channelKey);
        s.urlPut.run(u.channelKey, u.url, u.isDefault ? 1 : 0, u.types, at);
      }).immediate();
    },
    async removeCallbackUrl(channelKey, url) {
      return s.urlDelete.run(channelKey, url).changes === 1;
    },
    async callbackUrls(channelKey) {
      return (s.urls.all(channelKey) as Row[]).map((r) => ({
        channelKey: r.channel_key as string,
        url: r.url as string,
        isDefault: r.is_default === 1,
        types: Number(r.types),
      }));
    },
    async queueRecords(rows, at) {
      if (rows.length > 0) queue.immediate(rows, at);
    },
    async dueRecords(now, limit) {
      return (s.recordsDue.all(now, limit) as Row[]).map((r) => ({
        id: Number(r.id),
        url: r.url as string,
        channelKey: r.channel_key as string,
        record: r.record as string,
        attempts: Number(r.attempts),
      }));
    },
    async removeRecords(ids) {
      removeRecords.immediate(ids);
    },
    async failRecords(ids, nextAt, maxAttempts) {
      return failRecords.immediate(ids, nextAt, maxAttempts);
    },

    async putTemplate(t) {
      s.templatePut.run(t.templateId, t.name, t.general ? 1 : 0, t.enabled ? 1 : 0, JSON.stringify(t.content), t.createdAt);
    },
    async getTemplate(templateId) {
      const r = s.templateGet.get(templateId) as Row | undefined;
      return r ? toTemplate(r) : undefined;
    },
    async listTemplates() {
      return (s.templateList.all() as Row[]).map(toTemplate);
    },
    async deleteTemplate(templateId) {
      return s.templateDelete.run(templateId).changes === 1;
    },
    async nextTemplateId() {
      return Math.max(1000, Number(s.templateMax.get() ?? 0)) + 1;
    },
    async putSettings(channelKey, settings) {
      s.settingsPut.run(channelKey, JSON.stringify(settings));
    },
    async getSettings(channelKey) {
      const raw = s.settingsGet.get(channelKey) as string | undefined;
      return raw === undefined ? { ...DEFAULT_UMS_SETTINGS } : { ...DEFAULT_UMS_SETTINGS, ...(JSON.parse(raw) as object) };
    },

    async putMaterial(m) {
      s.materialsExpired.run(Date.now());
      s.materialPut.run(m);
    },
    async getMaterial(id) {
      const r = s.materialGet.get(id) as Row | undefined;
      if (!r || Number(r.expires_at) < Date.now()) return undefined;
      return {
        id: r.id as string,
        channelKey: r.channel_key as string,
        filename: r.filename as string,
        contentType: r.content_type as string,
        data: r.data as Buffer,
        expiresAt: Number(r.expires_at),
      };
    },
  };
}
