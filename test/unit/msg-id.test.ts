import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MsgIdGenerator, msgIdTime } from '../../src/ids/msg-id.js';

test('ids strictly increase within one millisecond and carry their time', () => {
  const now = Date.UTC(2026, 10, 23);
  const gen = new MsgIdGenerator(3, 0n, () => now);
  const ids = Array.from({ length: 300_000 }, () => BigInt(gen.next()));
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!);
  assert.equal(msgIdTime(ids[0]!.toString()), now);
  // past 2^18 ids in one second the ids borrow the next second, still increasing
  assert.equal(msgIdTime(ids.at(-1)!.toString()), now + 1000);
  assert.ok(ids.every((id) => id <= BigInt(Number.MAX_SAFE_INTEGER)));
});

test('a clock that goes back does not repeat ids', () => {
  let now = Date.UTC(2026, 10, 23);
  const gen = new MsgIdGenerator(0, 0n, () => now);
  const a = BigInt(gen.next());
  now -= 60_000;
  const b = BigInt(gen.next());
  assert.ok(b > a);
});

test('starts above a stored floor from another node', () => {
  const now = Date.UTC(2026, 10, 23);
  const other = new MsgIdGenerator(15, 0n, () => now);
  const floor = BigInt(other.next());
  const gen = new MsgIdGenerator(1, floor, () => now);
  assert.ok(BigInt(gen.next()) > floor);
});

test('ids from different nodes never collide', () => {
  const now = Date.UTC(2026, 10, 23);
  const a = new MsgIdGenerator(1, 0n, () => now);
  const b = new MsgIdGenerator(2, 0n, () => now);
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    seen.add(a.next());
    seen.add(b.next());
  }
  assert.equal(seen.size, 10_000);
});

test('ids stay exact as JSON numbers until 2088', () => {
  const gen = new MsgIdGenerator(15, 0n, () => Date.UTC(2088, 0, 1));
  const id = gen.next();
  assert.equal(String(JSON.parse(id)), id);
  assert.ok(Number(id) <= Number.MAX_SAFE_INTEGER);
});

test('node number is checked', () => {
  assert.throws(() => new MsgIdGenerator(16));
  assert.throws(() => new MsgIdGenerator(-1));
});
