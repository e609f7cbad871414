/**
 * Runs work for the same keys one at a time within this process. `withKeys` takes all
 * its keys before starting, in sorted order, so two callers never wait on each other.
 */
export function createKeyedMutex() {
  const tails = new Map<string, Promise<void>>();
  async function lock(key: string): Promise<() => void> {
    const previous = tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const tail = previous.then(() => mine);
    tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (tails.get(key) === tail) tails.delete(key);
    };
  }
  return {
    async withKeys<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
      const releases: Array<() => void> = [];
      try {
        for (const key of [...new Set(keys)].sort()) releases.push(await lock(key));
        return await work();
      } finally {
        for (const release of releases.reverse()) release();
      }
    },
  };
}
