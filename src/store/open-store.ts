import type { Store } from './types.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { PostgresStore } from './postgres/postgres-store.js';

export interface StoreChoice {
  /** postgres:// URL; empty = SQLite. */
  url: string;
  poolSize: number;
  /** SQLite file path (when `url` is empty). */
  sqlitePath: string;
  synchronous: 'full' | 'normal';
  /** SQLite only: the long-running owner of the file may convert it to incremental auto-vacuum. */
  convertVacuum?: boolean;
  /** SQLite only: the long-running owner of the file checkpoints its log off the event loop. */
  backgroundCheckpoints?: boolean;
}

/**
 * The store a node runs on: PostgreSQL when a URL is configured (many nodes share it), the
 * embedded SQLite file otherwise. A PostgreSQL store migrates its schema in the background;
 * its first queries wait for that.
 */
export function openStoreFrom(choice: StoreChoice): Store {
  if (choice.url !== '') return new PostgresStore({ url: choice.url, poolSize: choice.poolSize });
  return new SqliteStore({
    path: choice.sqlitePath,
    synchronous: choice.synchronous,
    convertVacuum: choice.convertVacuum ?? false,
    backgroundCheckpoints: choice.backgroundCheckpoints ?? false,
  });
}
