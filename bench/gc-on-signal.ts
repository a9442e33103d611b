/**
 * Preloaded into a server under test (with --expose-gc) so a memory benchmark can ask for a
 * full collection before it reads the heap: SIGUSR2 runs gc(). Nothing else changes.
 */
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
});
