/**
 * Drops the oldest entries (a Map iterates in insertion order) once `map` holds more than `max`,
 * down to a sixteenth below the bound at once. Dropping one entry per new one would be slow:
 * a Map's iteration walks past every entry deleted before it until V8 rebuilds the table, so
 * taking the first key again and again walks thousands of holes per call once the map is full.
 */
export function trimOldest<K, V>(map: Map<K, V>, max: number): void {
  if (map.size <= max) return;
  let excess = map.size - max + (max >> 4);
  for (const key of map.keys()) {
    map.delete(key);
    if (--excess <= 0) break;
  }
}
