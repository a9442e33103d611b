import type { GroupRecord, GroupStore } from '../advanced-types.js';
import { type Row, type Db } from './db.js';

/** App groups (group push) over PostgreSQL: a key, a secret digest and member apps. */
export function postgresGroupStore(db: Db): GroupStore {
  const members = async (groupKeys: string[]) => {
    const out = new Map<string, string[]>(groupKeys.map((k) => [k, []]));
    if (groupKeys.length === 0) return out;
    const { rows } = await db.query('SELECT group_key, app_key FROM app_group_members WHERE group_key = ANY($1::text[]) ORDER BY app_key', [groupKeys]);
    for (const r of rows as Row[]) out.get(r.group_key as string)?.push(r.app_key as string);
    return out;
  };
  const toGroups = async (rows: Row[]): Promise<GroupRecord[]> => {
    const apps = await members(rows.map((r) => r.group_key as string));
    return rows.map((row) => ({
      groupKey: row.group_key as string,
      name: row.name as string,
      secretHash: row.secret_hash as Buffer,
      createdAt: Number(row.created_at),
      appKeys: apps.get(row.group_key as string) ?? [],
    }));
  };
  return {
    async create(group, appKeys) {
      await db.tx(async (c) => {
        await c.query('INSERT INTO app_groups (group_key, name, secret_hash, created_at) VALUES ($1, $2, $3, $4)', [
          group.groupKey,
          group.name,
          group.secretHash,
          group.createdAt,
        ]);
        await c.query('INSERT INTO app_group_members (group_key, app_key) SELECT $1, a FROM unnest($2::text[]) AS a ON CONFLICT DO NOTHING', [
          group.groupKey,
          [...appKeys],
        ]);
      });
    },
    async get(groupKey) {
      const { rows } = await db.query('SELECT * FROM app_groups WHERE group_key = $1', [groupKey]);
      return (await toGroups(rows as Row[]))[0];
    },
    async list() {
      const { rows } = await db.query('SELECT * FROM app_groups ORDER BY created_at, group_key');
      return toGroups(rows as Row[]);
    },
    async addApp(groupKey, appKey) {
      // only into a group that exists (no foreign keys: the statement checks it)
      const r = await db.query(
        `INSERT INTO app_group_members (group_key, app_key) SELECT group_key, $2 FROM app_groups WHERE group_key = $1
         ON CONFLICT DO NOTHING`,
        [groupKey, appKey],
      );
      if (r.rowCount === 1) return true;
      return (await db.query('SELECT 1 FROM app_groups WHERE group_key = $1', [groupKey])).rowCount === 1;
    },
    async removeApp(groupKey, appKey) {
      return (await db.query('DELETE FROM app_group_members WHERE group_key = $1 AND app_key = $2', [groupKey, appKey])).rowCount === 1;
    },
  };
}
