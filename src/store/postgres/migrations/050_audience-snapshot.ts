import type { MigrationBuilder } from 'node-pg-migrate';

// The persisted audience index: a snapshot of its bitmaps, and a log of device and tag changes
// after it, written by triggers so that no write path can leave it out. Each change records
// its transaction, since sequence numbers are handed out before commit and can become visible
// out of order: a reader re-applies the changes of transactions that were still running.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
  CREATE TABLE audience_changes (
    seq      BIGSERIAL PRIMARY KEY,
    xid      xid8 NOT NULL DEFAULT pg_current_xact_id(),
    app_key  TEXT COLLATE "C" NOT NULL,
    num      INTEGER NOT NULL,
    tag      TEXT COLLATE "C"
  );
  CREATE INDEX audience_changes_by_xid ON audience_changes (xid);

  CREATE FUNCTION audience_device_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP <> 'INSERT' THEN
      INSERT INTO audience_changes (app_key, num, tag) VALUES (OLD.app_key, OLD.num, NULL);
    END IF;
    IF TG_OP <> 'DELETE' THEN
      INSERT INTO audience_changes (app_key, num, tag) VALUES (NEW.app_key, NEW.num, NULL);
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER audience_device_changed AFTER INSERT OR DELETE OR UPDATE OF app_key, num, platform ON devices
    FOR EACH ROW EXECUTE FUNCTION audience_device_changed();

  CREATE FUNCTION audience_tag_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP <> 'INSERT' THEN
      INSERT INTO audience_changes (app_key, num, tag) VALUES (OLD.app_key, OLD.num, OLD.tag);
    END IF;
    IF TG_OP <> 'DELETE' THEN
      INSERT INTO audience_changes (app_key, num, tag) VALUES (NEW.app_key, NEW.num, NEW.tag);
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER audience_tag_changed AFTER INSERT OR DELETE OR UPDATE ON device_tags
    FOR EACH ROW EXECUTE FUNCTION audience_tag_changed();

  CREATE TABLE audience_snapshot (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    seq       BIGINT NOT NULL,
    horizon   xid8 NOT NULL,
    data      BYTEA NOT NULL,
    saved_at  BIGINT NOT NULL
  );
  `);
}
