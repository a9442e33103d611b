import { CONSOLE_ROLES, type ConsoleRole, type ConsoleStore, type OperatorRecord } from '../store/console-types.js';
import { MIN_PASSWORD_LENGTH, generatePassword, hashPassword } from './passwords.js';

const NAME = /^[A-Za-z0-9._@-]{1,64}$/;

export class OperatorInputError extends Error {}

export function checkOperatorName(name: string): void {
  if (!NAME.test(name)) throw new OperatorInputError('name: 1-64 letters, digits, or . _ @ -');
}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > 1024) {
    throw new OperatorInputError(`password: ${MIN_PASSWORD_LENGTH} to 1024 characters`);
  }
}

export function parseRole(raw: unknown): ConsoleRole {
  if (typeof raw !== 'string' || !(CONSOLE_ROLES as readonly string[]).includes(raw)) {
    throw new OperatorInputError(`role: one of ${CONSOLE_ROLES.join(', ')}`);
  }
  return raw as ConsoleRole;
}

/** Creates an operator; false when the name is taken. */
export async function createOperator(
  store: ConsoleStore,
  input: { name: string; password: string; role: ConsoleRole; apps: string[] | null },
): Promise<OperatorRecord | undefined> {
  checkOperatorName(input.name);
  checkPassword(input.password);
  const record: OperatorRecord = {
    name: input.name,
    passwordHash: await hashPassword(input.password),
    role: input.role,
    apps: input.apps,
    createdAt: Date.now(),
    disabledAt: null,
  };
  return (await store.createOperator(record)) ? record : undefined;
}

/**
 * A fresh data directory gets one admin with a generated password, printed once, so the
 * console can be opened at once. Undefined when any operator exists.
 */
export async function ensureFirstOperator(store: ConsoleStore): Promise<{ name: string; password: string } | undefined> {
  if ((await store.countOperators()) > 0) return undefined;
  const password = generatePassword();
  const created = await createOperator(store, { name: 'admin', password, role: 'admin', apps: null });
  return created ? { name: created.name, password } : undefined;
}

const RANK: Record<ConsoleRole, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether `role` includes what `needed` may do. */
export function roleAllows(role: ConsoleRole, needed: ConsoleRole): boolean {
  return RANK[role] >= RANK[needed];
}

export function appAllowed(operator: Pick<OperatorRecord, 'apps'>, appKey: string): boolean {
  return operator.apps === null || operator.apps.includes(appKey);
}

/** What the console shows of an operator (never the hash). */
export function operatorJson(o: OperatorRecord) {
  return { name: o.name, role: o.role, apps: o.apps, created_at: o.createdAt, disabled: o.disabledAt !== null };
}
