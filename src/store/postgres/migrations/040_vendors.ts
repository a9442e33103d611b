import type { MigrationBuilder } from 'node-pg-migrate';

// Vendor channels II (PostgreSQL): receipts from vendors name a device by its token (one partial
// expression index per vendor that sends receipts), per-channel received / clicked figures, and
// each app's daily use of each vendor's quota.
const TOKEN_VENDORS = ['huawei', 'honor', 'xiaomi', 'oppo', 'vivo', 'meizu', 'hmos'];

export async function up(pgm: MigrationBuilder): Promise<void> {
  const indexes = TOKEN_VENDORS.map(
    (v) => `CREATE INDEX devices_token_${v} ON devices (app_key, (tokens::jsonb ->> '${v}')) WHERE (tokens::jsonb ->> '${v}') IS NOT NULL;`,
  ).join('\n  ');
  pgm.sql(`
  ${indexes}
  ALTER TABLE relay_receipts ADD COLUMN received BYTEA;
  ALTER TABLE relay_receipts ADD COLUMN clicked BYTEA;
  CREATE TABLE vendor_quota_use (
    app_key        TEXT COLLATE "C" NOT NULL,
    channel        TEXT COLLATE "C" NOT NULL,
    category       TEXT COLLATE "C" NOT NULL,
    day            TEXT COLLATE "C" NOT NULL,
    used           BIGINT NOT NULL DEFAULT 0,
    learned_limit  BIGINT,
    PRIMARY KEY (app_key, channel, category, day)
  );
  CREATE INDEX vendor_quota_by_day ON vendor_quota_use (day);
  `);
}
