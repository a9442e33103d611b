/**
 * Rate limits count in fixed windows aligned to the clock (a 60 s window starts on the
 * minute). A test that fills a window and expects the next request to be refused fails if
 * the window turns over in the middle; this waits out the end of a window when too little of
 * it is left.
 */
export async function awayFromWindowEdge(windowSeconds: number, needMs = 10_000): Promise<void> {
  const windowMs = windowSeconds * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
