/**
 * A value read from a slow source (Slack, the CRM) and kept for `ttlMs`. Only the first
 * read waits for the source; afterwards a stale value answers at once while one refresh
 * runs in the background, so a request path that has seen the value once never waits on
 * the source again. A failed background refresh keeps the old value and is reported to
 * `onRefreshError`; a failed first read rejects that read and the next one tries again.
 */
export interface RefreshedValue<T> {
  get(): Promise<T>;
  /** Whether a value is here: a `get()` now answers without asking the source. */
  loaded(): boolean;
}

export function refreshedValue<T>(options: {
  load: () => Promise<T>;
  ttlMs: number;
  now: () => number;
  onRefreshError: (error: unknown) => void;
}): RefreshedValue<T> {
  let held: { value: T; at: number } | null = null;
  let loading: Promise<T> | null = null;
  const refresh = (): Promise<T> => {
    loading ??= options
      .load()
      .then((value) => {
        held = { value, at: options.now() };
        return value;
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  };
  return {
    async get() {
      if (held === null) return refresh();
      if (loading === null && options.now() - held.at > options.ttlMs)
        refresh().catch(options.onRefreshError);
      return held.value;
    },
    loaded: () => held !== null,
  };
}
