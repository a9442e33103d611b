import type Database from 'better-sqlite3';
import type { GroupRecord, GroupStore } from '../advanced-types.js';

type Row = Record<string, unknown>;

/** App groups (group push): a key, a secret digest and member apps. */
export function sqliteGroupStore(db: Database.Database): GroupStore {
  const s = {
    insert: db.prepare('INSERT INTO app_groups (group_key, name, secret_hash, created_at) VALUES (?, ?, ?, ?)'),
    get: db.prepare('SELECT * FROM app_groups WHERE group_key = ?'),
    list: db.prepare('SELECT * FROM app_groups ORDER BY created_at, group_key'),
    members: db.prepare('SELECT app_key FROM app_group_members WHERE group_key = ? ORDER BY app_key').pluck(),
    add: db.prepare('INSERT OR IGNORE INTO app_group_members (group_key, app_key) VALUES (?, ?)'),
    remove: db.prepare('DELETE FROM app_group_members WHERE group_key = ? AND app_key = ?'),
  };
  const toGroup = (row: Row): GroupRecord => ({
    groupKey: row.group_key as string,
    name: row.name as string,
    secretHash: row.secret_hash as Buffer,
    createdAt: Number(row.created_at),
    appKeys: s.members.all(row.group_key) as string[],
  });
  const create = db.transaction((group: Omit<GroupRecord, 'appKeys'>, appKeys: readonly string[]) => {
    s.insert.run(group.groupKey, group.name, group.secretHash, group.createdAt);
    for (const k of appKeys) s.add.run(group.groupKey, k);
  });
  return {
    async create(group, appKeys) {
      create.immediate(group, appKeys);
    },
    async get(groupKey) {
      const row = s.get.get(groupKey) as Row | undefined;
      return row ? toGroup(row) : undefined;
    },
    async list() {
      return (s.list.all() as Row[]).map(toGroup);
    },
    async addApp(groupKey, appKey) {
      if (!s.get.get(groupKey)) return false;
      s.add.run(groupKey, appKey);
      return true;
    },
    async removeApp(groupKey, appKey) {
      return s.remove.run(groupKey, appKey).changes === 1;
    },
  };
}
