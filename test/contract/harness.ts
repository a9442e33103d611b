import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase } from '../helpers/postgres.js';

/** A fresh, empty database and the store on it. */
export interface OpenedStore {
  store: Store;
  /** Another store instance on the same database, as a second node would open it. */
  another(): Promise<Store>;
  /** Closes every store opened here and deletes the database. */
  close(): Promise<void>;
}

export interface StoreKind {
  name: 'sqlite' | 'postgres';
  open(): Promise<OpenedStore>;
}

const sqlite: StoreKind = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'borealis-contract-'));
    const path = join(dir, 'db.sqlite');
    const stores: Store[] = [new SqliteStore({ path, synchronous: 'normal' })];
    return {
      store: stores[0]!,
      async another() {
        const s = new SqliteStore({ path, synchronous: 'normal' });
        stores.push(s);
        return s;
      },
      async close() {
        for (const s of stores) await s.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: StoreKind = {
  name: 'postgres',
  async open() {
    const database = await createTestDatabase();
    const stores: Store[] = [await PostgresStore.open({ url: database.url, poolSize: 4 })];
    return {
      store: stores[0]!,
      async another() {
        const s = await PostgresStore.open({ url: database.url, poolSize: 4 });
        stores.push(s);
        return s;
      },
      async close() {
        for (const s of stores) await s.close();
        await database.drop();
      },
    };
  },
};

export const STORE_KINDS: readonly StoreKind[] = [sqlite, postgres];

/** The same test bodies, once per store implementation. */
export function contract(title: string, body: (kind: StoreKind) => void): void {
  for (const kind of STORE_KINDS) describe(`${title} [${kind.name}]`, () => body(kind));
}
