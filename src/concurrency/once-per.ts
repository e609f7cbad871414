/**
 * Whether a key is seen for the first time in `windowMs` (per process): a person clicking
 * a decided card twenty times is told once, and its redraw is queued once. Old keys are
 * dropped as new ones arrive.
 */
export function oncePer(windowMs: number, now: () => number = Date.now): (key: string) => boolean {
  const seen = new Map<string, number>();
  return (key) => {
    const t = now();
    for (const [k, at] of seen) {
      if (t - at < windowMs) break;
      seen.delete(k);
    }
    const last = seen.get(key);
    if (last !== undefined && t - last < windowMs) return false;
    seen.delete(key);
    seen.set(key, t);
    return true;
  };
}
