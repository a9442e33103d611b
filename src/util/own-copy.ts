/**
 * A copy of `text` that holds on to nothing else. Strings cut from a request body are slices
 * of it: one kept as a long-lived key (a nonce remembered for 30 minutes) would keep the whole
 * body alive. Slicing a concatenation flattens it into a string of its own first.
 */
export function ownCopy(text: string): string {
  return (' ' + text).slice(1);
}
