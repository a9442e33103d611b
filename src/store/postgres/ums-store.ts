import type {
  UmsBinding,
  UmsBindKind,
  UmsChannelRecord,
  UmsAccessKeyRecord,
  UmsMessageRecord,
  UmsPolicy,
  UmsPolicyStep,
  UmsSegment,
  UmsStore,
  UmsTemplate,
} from '../ums-types.js';
import { DEFAULT_UMS_SETTINGS } from '../ums-types.js';
import { umsJobFromRow } from '../ums-rows.js';
import { numOrNull, type Db, type Row } from './db.js';

/** Job rows go to the server in batches of this many (one unnest insert each). */
const JOB_BATCH = 5_000;

function toPolicy(r: Row): UmsPolicy {
  return {
    ruleId: Number(r.rule_id),
    name: r.name as string,
    enabled: r.enabled as boolean,
    steps: JSON.parse(r.steps as string) as UmsPolicyStep[],
    createdAt: Number(r.created_at),
  };
}

function toChannel(r: Row): UmsChannelRecord {
  return {
    channelKey: r.channel_key as string,
    name: r.name as string,
    secretHash: r.secret_hash as Buffer,
    secretSealed: r.secret_sealed as Buffer,
    appKey: (r.app_key as string | null) ?? null,
    enabled: r.enabled as boolean,
    ownerRequired: r.owner_required as boolean,
    broadcastPerDay: numOrNull(r.broadcast_per_day),
    createdAt: Number(r.created_at),
  };
}

function toKey(r: Row): UmsAccessKeyRecord {
  return { accessKey: r.access_key as string, secretHash: r.secret_hash as Buffer, enabled: r.enabled as boolean, createdAt: Number(r.created_at) };
}

function toTemplate(r: Row): UmsTemplate {
  return {
    templateId: Number(r.template_id),
    name: r.name as string,
    general: r.general as boolean,
    enabled: r.enabled as boolean,
    content: JSON.parse(r.content as string) as UmsTemplate['content'],
    createdAt: Number(r.created_at),
  };
}

/** The message row keeps everything but its id, kind and times in one JSON body. */
type MessageBody = Omit<UmsMessageRecord, 'msgid' | 'channelKey' | 'kind' | 'createdAt' | 'retractedAt'>;

/** The UMS sub-store over PostgreSQL; nodes sharing the database claim each job once. */
export function postgresUmsStore(db: Db): UmsStore {
  return {
    async putChannel(c) {
      await db.query(
        `INSERT INTO ums_channels (channel_key, name, secret_hash, secret_sealed, app_key, enabled, owner_required, broadcast_per_day, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (channel_key) DO UPDATE SET name = excluded.name, secret_hash = excluded.secret_hash,
           secret_sealed = excluded.secret_sealed, app_key = excluded.app_key, enabled = excluded.enabled,
           owner_required = excluded.owner_required, broadcast_per_day = excluded.broadcast_per_day`,
        [c.channelKey, c.name, c.secretHash, c.secretSealed, c.appKey, c.enabled, c.ownerRequired, c.broadcastPerDay, c.createdAt],
      );
    },
    async getChannel(channelKey) {
      const r = (await db.query('SELECT * FROM ums_channels WHERE channel_key = $1', [channelKey])).rows[0];
      return r ? toChannel(r) : undefined;
    },
    async listChannels() {
      return (await db.query('SELECT * FROM ums_channels ORDER BY created_at')).rows.map(toChannel);
    },
    async putAccessKey(k) {
      await db.query(
        `INSERT INTO ums_access_keys (access_key, secret_hash, enabled, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (access_key) DO UPDATE SET secret_hash = excluded.secret_hash, enabled = excluded.enabled`,
        [k.accessKey, k.secretHash, k.enabled, k.createdAt],
      );
    },
    async getAccessKey(accessKey) {
      const r = (await db.query('SELECT * FROM ums_access_keys WHERE access_key = $1', [accessKey])).rows[0];
      return r ? toKey(r) : undefined;
    },
    async listAccessKeys() {
      return (await db.query('SELECT * FROM ums_access_keys ORDER BY created_at')).rows.map(toKey);
    },
    async putCredentials(channelKey, channel, sealed, at) {
      await db.query(
        `INSERT INTO ums_credentials (channel_key, channel, sealed, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (channel_key, channel) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
        [channelKey, channel, sealed, at],
      );
    },
    async getCredentials(channelKey, channel) {
      const r = (await db.query('SELECT sealed FROM ums_credentials WHERE channel_key = $1 AND channel = $2', [channelKey, channel])).rows[0];
      return r?.sealed as Buffer | undefined;
    },
    async removeCredentials(channelKey, channel) {
      return (await db.query('DELETE FROM ums_credentials WHERE channel_key = $1 AND channel = $2', [channelKey, channel])).rowCount === 1;
    },

    async changeUser(userid, changes, at) {
      await db.tx(async (q) => {
        await q.query(
          'INSERT INTO ums_users (userid, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (userid) DO UPDATE SET updated_at = excluded.updated_at',
          [userid, at],
        );
        // in order: a set's clear comes before its adds
        for (const c of changes) {
          if (c.op === 'clear') {
            await q.query('DELETE FROM ums_bindings WHERE userid = $1 AND kind = $2 AND bind_id = $3', [userid, c.kind, c.bindId]);
          } else if (c.op === 'add') {
            await q.query('INSERT INTO ums_bindings (userid, kind, bind_id, value) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
              userid,
              c.binding.kind,
              c.binding.bindId,
              c.binding.value,
            ]);
          } else {
            await q.query('DELETE FROM ums_bindings WHERE userid = $1 AND kind = $2 AND bind_id = $3 AND value = $4', [
              userid,
              c.binding.kind,
              c.binding.bindId,
              c.binding.value,
            ]);
          }
        }
      });
    },
    async deleteUsers(userids) {
      if (userids.length === 0) return [];
      return db.tx(async (q) => {
        const ids = [...userids];
        const { rows } = await q.query<{ userid: string }>('DELETE FROM ums_users WHERE userid = ANY($1::text[]) RETURNING userid', [ids]);
        await q.query('DELETE FROM ums_bindings WHERE userid = ANY($1::text[])', [ids]);
        // in the order asked, as the SQLite store answers
        const gone = new Set(rows.map((r) => r.userid));
        return ids.filter((u, i) => gone.has(u) && ids.indexOf(u) === i);
      });
    },
    async existingUsers(userids) {
      if (userids.length === 0) return [];
      const { rows } = await db.query<{ userid: string }>('SELECT userid FROM ums_users WHERE userid = ANY($1::text[])', [[...userids]]);
      return rows.map((r) => r.userid);
    },
    async bindingsOf(userids) {
      const out = new Map<string, UmsBinding[]>();
      if (userids.length === 0) return out;
      const { rows } = await db.query('SELECT userid, kind, bind_id, value FROM ums_bindings WHERE userid = ANY($1::text[])', [[...userids]]);
      for (const r of rows) {
        const u = r.userid as string;
        let list = out.get(u);
        if (!list) out.set(u, (list = []));
        list.push({ kind: r.kind as UmsBindKind, bindId: r.bind_id as string, value: r.value as string });
      }
      return out;
    },
    async usersWithTags(tags, bindIds) {
      if (tags.length === 0) return [];
      const byBind = bindIds ? ' AND bind_id = ANY($2::text[])' : '';
      const params: unknown[] = [[...tags]];
      if (bindIds) params.push([...bindIds]);
      const { rows } = await db.query<{ userid: string }>(
        `SELECT DISTINCT userid FROM ums_bindings WHERE kind = 'tag' AND value = ANY($1::text[])${byBind} ORDER BY userid`,
        params,
      );
      return rows.map((r) => r.userid);
    },
    async usersAfter(after, limit) {
      const { rows } = await db.query<{ userid: string }>('SELECT userid FROM ums_users WHERE userid > $1 ORDER BY userid LIMIT $2', [after, limit]);
      return rows.map((r) => r.userid);
    },
    async userOfAddress(kind, bindId, value) {
      const { rows } = await db.query<{ userid: string }>('SELECT userid FROM ums_bindings WHERE kind = $1 AND value = $2 AND bind_id = $3 LIMIT 1', [
        kind,
        value,
        bindId,
      ]);
      return rows[0]?.userid;
    },

    async createList(kind, name, userIds) {
      const { rows } = await db.query<{ id: string }>('INSERT INTO ums_lists (kind, name, userids) VALUES ($1, $2, $3) RETURNING id', [
        kind,
        name,
        JSON.stringify(userIds),
      ]);
      return Number(rows[0]!.id);
    },
    async getList(id) {
      if (!Number.isSafeInteger(id)) return undefined;
      const r = (await db.query('SELECT * FROM ums_lists WHERE id = $1', [id])).rows[0];
      if (!r) return undefined;
      return { id: Number(r.id), kind: r.kind as 'black' | 'white', name: r.name as string, userIds: JSON.parse(r.userids as string) as string[] };
    },
    async putSegment(seg) {
      const { id, name, ...definition } = seg;
      await db.query(
        'INSERT INTO ums_segments (id, name, definition) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = excluded.name, definition = excluded.definition',
        [id, name, JSON.stringify(definition)],
      );
    },
    async getSegment(id) {
      const r = (await db.query('SELECT * FROM ums_segments WHERE id = $1', [id])).rows[0];
      if (!r) return undefined;
      return { id: r.id as string, name: r.name as string, ...(JSON.parse(r.definition as string) as Omit<UmsSegment, 'id' | 'name'>) };
    },
    async putPolicy(p) {
      await db.query(
        `INSERT INTO ums_policies (rule_id, name, enabled, steps, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (rule_id) DO UPDATE SET name = excluded.name, enabled = excluded.enabled, steps = excluded.steps`,
        [p.ruleId, p.name, p.enabled, JSON.stringify(p.steps), p.createdAt],
      );
    },
    async getPolicy(ruleId) {
      if (!Number.isSafeInteger(ruleId)) return undefined;
      const r = (await db.query('SELECT * FROM ums_policies WHERE rule_id = $1', [ruleId])).rows[0];
      return r ? toPolicy(r) : undefined;
    },
    async listPolicies() {
      return (await db.query('SELECT * FROM ums_policies ORDER BY rule_id')).rows.map(toPolicy);
    },
    async deletePolicy(ruleId) {
      if (!Number.isSafeInteger(ruleId)) return false;
      return (await db.query('DELETE FROM ums_policies WHERE rule_id = $1', [ruleId])).rowCount === 1;
    },
    async nextRuleId() {
      // policies number from 1001, as the reference's examples do
      const { rows } = await db.query<{ m: string | null }>('SELECT max(rule_id) AS m FROM ums_policies');
      return Math.max(1000, Number(rows[0]?.m ?? 0)) + 1;
    },

    async insertMessage(m, jobs, limit, dayStart) {
      return db.tx(async (q) => {
        if (m.kind === 'broadcast' && limit > 0) {
          // nodes counting the same channel's broadcasts take turns until commit
          await q.query("SELECT pg_advisory_xact_lock(hashtext('ums-broadcast:' || $1))", [m.channelKey]);
          const { rows } = await q.query<{ n: string }>(
            `SELECT count(*) AS n FROM ums_messages WHERE channel_key = $1 AND kind = 'broadcast' AND created_at >= $2`,
            [m.channelKey, dayStart],
          );
          if (Number(rows[0]?.n ?? 0) >= limit) return false;
        }
        const { msgid, channelKey, kind, createdAt, retractedAt: _r, ...body } = m;
        await q.query('INSERT INTO ums_messages (msgid, channel_key, kind, body, created_at) VALUES ($1, $2, $3, $4, $5)', [
          msgid,
          channelKey,
          kind,
          JSON.stringify(body satisfies MessageBody),
          createdAt,
        ]);
        for (let i = 0; i < jobs.length; i += JOB_BATCH) {
          const batch = jobs.slice(i, i + JOB_BATCH);
          await q.query(
            `INSERT INTO ums_jobs (msgid, step, target, channel, priority, due_at, state, addresses)
             SELECT $1, u.step, u.target, u.channel, $2, u.due_at, 'pending', u.addresses
             FROM unnest($3::integer[], $4::text[], $5::text[], $6::bigint[], $7::text[]) AS u (step, target, channel, due_at, addresses)
             ON CONFLICT DO NOTHING`,
            [
              msgid,
              m.priority,
              batch.map((j) => j.step),
              batch.map((j) => j.target),
              batch.map((j) => j.channel),
              batch.map((j) => j.dueAt),
              batch.map((j) => JSON.stringify(j.addresses)),
            ],
          );
        }
        return true;
      });
    },
    async getMessage(msgid) {
      const r = (await db.query('SELECT * FROM ums_messages WHERE msgid = $1', [msgid])).rows[0];
      if (!r) return undefined;
      const body = JSON.parse(r.body as string) as MessageBody;
      return {
        ...body,
        msgid: r.msgid as string,
        channelKey: r.channel_key as string,
        kind: r.kind as UmsMessageRecord['kind'],
        createdAt: Number(r.created_at),
        retractedAt: numOrNull(r.retracted_at),
      };
    },
    async retract(msgid, at) {
      return db.tx(async (q) => {
        const marked = await q.query('UPDATE ums_messages SET retracted_at = $1 WHERE msgid = $2 AND retracted_at IS NULL', [at, msgid]);
        if (marked.rowCount !== 1) return undefined;
        const { rows } = await q.query(`UPDATE ums_jobs SET state = 'retracted', done_at = $1 WHERE msgid = $2 AND state = 'pending' RETURNING *`, [at, msgid]);
        return rows.map(umsJobFromRow);
      });
    },
    async heldMessages(holdMs, limit) {
      const { rows } = await db.query<{ msgid: string }>(
        `SELECT msgid FROM ums_jobs WHERE state = 'pending' AND due_at >= $1 GROUP BY msgid ORDER BY min(due_at) LIMIT $2`,
        [holdMs, limit],
      );
      return rows.map((r) => r.msgid);
    },
    async releaseHeld(msgid, holdMs, shiftMs) {
      const r = await db.query(`UPDATE ums_jobs SET due_at = due_at - $1 + $2 WHERE msgid = $3 AND state = 'pending' AND due_at >= $1`, [holdMs, shiftMs, msgid]);
      return r.rowCount ?? 0;
    },
    async dueJobs(now, limit) {
      const { rows } = await db.query(`SELECT * FROM ums_jobs WHERE state = 'pending' AND due_at <= $1 ORDER BY priority, due_at LIMIT $2`, [now, limit]);
      return rows.map(umsJobFromRow);
    },
    async claimJobs(msgid, step, targets) {
      if (targets.length === 0) return [];
      // one statement: a job two nodes race for goes to one of them
      const { rows } = await db.query<{ target: string }>(
        `UPDATE ums_jobs SET state = 'claimed', attempts = attempts + 1
         WHERE msgid = $1 AND step = $2 AND target = ANY($3::text[]) AND state = 'pending' RETURNING target`,
        [msgid, step, [...targets]],
      );
      const claimed = new Set(rows.map((r) => r.target));
      return targets.filter((t, i) => claimed.has(t) && targets.indexOf(t) === i);
    },
    async finishJob(msgid, step, target, state, note, pushMsgId, at) {
      await db.query(
        'UPDATE ums_jobs SET state = $1, note = $2, push_msg_id = coalesce($3, push_msg_id), done_at = $4 WHERE msgid = $5 AND step = $6 AND target = $7',
        [state, note, pushMsgId, at, msgid, step, target],
      );
    },
    async retryJob(msgid, step, target, dueAt, note) {
      await db.query(`UPDATE ums_jobs SET state = 'pending', due_at = $1, note = $2 WHERE msgid = $3 AND step = $4 AND target = $5 AND state = 'claimed'`, [
        dueAt,
        note,
        msgid,
        step,
        target,
      ]);
    },
    async jobsOf(msgid, target) {
      const { rows } =
        target === undefined
          ? await db.query('SELECT * FROM ums_jobs WHERE msgid = $1 ORDER BY target, step', [msgid])
          : await db.query('SELECT * FROM ums_jobs WHERE msgid = $1 AND target = $2 ORDER BY step', [msgid, target]);
      return rows.map(umsJobFromRow);
    },
    async earlierJobs(msgid, step, targets) {
      if (targets.length === 0) return [];
      const { rows } = await db.query('SELECT * FROM ums_jobs WHERE msgid = $1 AND step < $2 AND target = ANY($3::text[])', [msgid, step, [...targets]]);
      return rows.map(umsJobFromRow);
    },
    async awaitingDelivery(channels, since, limit) {
      if (channels.length === 0) return [];
      const { rows } = await db.query(
        `SELECT * FROM ums_jobs WHERE state = 'submitted' AND push_msg_id IS NOT NULL AND delivered_at IS NULL
         AND channel = ANY($1::text[]) AND done_at >= $2 ORDER BY done_at LIMIT $3`,
        [[...channels], since, limit],
      );
      return rows.map(umsJobFromRow);
    },
    async markReceipts(marks) {
      if (marks.length === 0) return;
      // the first receipt of each kind counts; a click implies delivery
      const clicks = marks.filter((r) => r.clicked !== undefined);
      const deliveries = marks.filter((r) => r.clicked === undefined && r.delivered !== undefined);
      await db.tx(async (q) => {
        if (clicks.length > 0) {
          await q.query(
            `UPDATE ums_jobs j SET clicked_at = coalesce(j.clicked_at, u.at), delivered_at = coalesce(j.delivered_at, u.at)
             FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u (push_msg_id, target, at)
             WHERE j.push_msg_id = u.push_msg_id AND j.target = u.target`,
            [clicks.map((r) => r.pushMsgId), clicks.map((r) => r.target), clicks.map((r) => r.clicked)],
          );
        }
        if (deliveries.length > 0) {
          await q.query(
            `UPDATE ums_jobs j SET delivered_at = coalesce(j.delivered_at, u.at)
             FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u (push_msg_id, target, at)
             WHERE j.push_msg_id = u.push_msg_id AND j.target = u.target`,
            [deliveries.map((r) => r.pushMsgId), deliveries.map((r) => r.target), deliveries.map((r) => r.delivered)],
          );
        }
      });
    },
    async appPushOf(pushMsgId) {
      const r = (await db.query('SELECT msgid, step FROM ums_app_pushes WHERE push_msg_id = $1', [pushMsgId])).rows[0];
      return r ? { msgid: r.msgid as string, step: Number(r.step) } : undefined;
    },
    async recordAppPush(pushMsgId, msgid, step) {
      await db.query('INSERT INTO ums_app_pushes (push_msg_id, msgid, step) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [pushMsgId, msgid, step]);
    },
    async appPushesOf(msgid) {
      const { rows } = await db.query<{ push_msg_id: string }>('SELECT push_msg_id FROM ums_app_pushes WHERE msgid = $1', [msgid]);
      return rows.map((r) => r.push_msg_id);
    },

    async addCallbackUrl(u, at) {
      await db.tx(async (q) => {
        if (u.isDefault) await q.query('UPDATE ums_callback_urls SET is_default = false WHERE channel_key = $1', [u.channelKey]);
        await q.query(
          `INSERT INTO ums_callback_urls (channel_key, url, is_default, types, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (channel_key, url) DO UPDATE SET is_default = excluded.is_default, types = excluded.types`,
          [u.channelKey, u.url, u.isDefault, u.types, at],
        );
      });
    },
    async removeCallbackUrl(channelKey, url) {
      return (await db.query('DELETE FROM ums_callback_urls WHERE channel_key = $1 AND url = $2', [channelKey, url])).rowCount === 1;
    },
    async callbackUrls(channelKey) {
      const { rows } = await db.query('SELECT * FROM ums_callback_urls WHERE channel_key = $1 ORDER BY is_default DESC, created_at', [channelKey]);
      return rows.map((r) => ({ channelKey: r.channel_key as string, url: r.url as string, isDefault: r.is_default as boolean, types: Number(r.types) }));
    },
    async queueRecords(rows, at) {
      if (rows.length === 0) return;
      await db.query(
        `INSERT INTO ums_callback_queue (url, channel_key, record, next_at)
         SELECT u.url, u.channel_key, u.record, $4 FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u (url, channel_key, record, n) ORDER BY u.n`,
        [rows.map((r) => r.url), rows.map((r) => r.channelKey), rows.map((r) => r.record), at],
      );
    },
    async dueRecords(now, limit) {
      const { rows } = await db.query('SELECT id, url, channel_key, record, attempts FROM ums_callback_queue WHERE next_at <= $1 ORDER BY id LIMIT $2', [now, limit]);
      return rows.map((r) => ({ id: Number(r.id), url: r.url as string, channelKey: r.channel_key as string, record: r.record as string, attempts: Number(r.attempts) }));
    },
    async removeRecords(ids) {
      if (ids.length === 0) return;
      await db.query('DELETE FROM ums_callback_queue WHERE id = ANY($1::bigint[])', [[...ids]]);
    },
    async failRecords(ids, nextAt, maxAttempts) {
      if (ids.length === 0) return 0;
      return db.tx(async (q) => {
        await q.query('UPDATE ums_callback_queue SET attempts = attempts + 1, next_at = $1 WHERE id = ANY($2::bigint[])', [nextAt, [...ids]]);
        const dropped = await q.query('DELETE FROM ums_callback_queue WHERE id = ANY($1::bigint[]) AND attempts >= $2', [[...ids], maxAttempts]);
        return dropped.rowCount ?? 0;
      });
    },

    async putTemplate(t) {
      await db.query(
        `INSERT INTO ums_templates (template_id, name, general, enabled, content, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (template_id) DO UPDATE SET name = excluded.name, general = excluded.general, enabled = excluded.enabled, content = excluded.content`,
        [t.templateId, t.name, t.general, t.enabled, JSON.stringify(t.content), t.createdAt],
      );
    },
    async getTemplate(templateId) {
      if (!Number.isSafeInteger(templateId)) return undefined;
      const r = (await db.query('SELECT * FROM ums_templates WHERE template_id = $1', [templateId])).rows[0];
      return r ? toTemplate(r) : undefined;
    },
    async listTemplates() {
      return (await db.query('SELECT * FROM ums_templates ORDER BY template_id')).rows.map(toTemplate);
    },
    async deleteTemplate(templateId) {
      if (!Number.isSafeInteger(templateId)) return false;
      return (await db.query('DELETE FROM ums_templates WHERE template_id = $1', [templateId])).rowCount === 1;
    },
    async nextTemplateId() {
      const { rows } = await db.query<{ m: string | null }>('SELECT max(template_id) AS m FROM ums_templates');
      return Math.max(1000, Number(rows[0]?.m ?? 0)) + 1;
    },
    async putSettings(channelKey, settings) {
      await db.query('INSERT INTO ums_channel_settings (channel_key, settings) VALUES ($1, $2) ON CONFLICT (channel_key) DO UPDATE SET settings = excluded.settings', [
        channelKey,
        JSON.stringify(settings),
      ]);
    },
    async getSettings(channelKey) {
      const r = (await db.query<{ settings: string }>('SELECT settings FROM ums_channel_settings WHERE channel_key = $1', [channelKey])).rows[0];
      return r === undefined ? { ...DEFAULT_UMS_SETTINGS } : { ...DEFAULT_UMS_SETTINGS, ...(JSON.parse(r.settings) as object) };
    },

    async putMaterial(m) {
      await db.tx(async (q) => {
        await q.query('DELETE FROM ums_materials WHERE expires_at < $1', [Date.now()]);
        await q.query('INSERT INTO ums_materials (id, channel_key, filename, content_type, data, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
          m.id,
          m.channelKey,
          m.filename,
          m.contentType,
          m.data,
          m.expiresAt,
        ]);
      });
    },
    async getMaterial(id) {
      const r = (await db.query('SELECT * FROM ums_materials WHERE id = $1', [id])).rows[0];
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
