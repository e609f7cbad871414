import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/**
 * A private redis-server on a free loopback port, for tests that kill, restart, pause or
 * flush Redis; the shared instance on 6379 is never touched.
 */
export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SHUTDOWN NOSAVE: its data is gone, like a failover without AOF). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  flushAll(): Promise<void>;
  client(): Redis;
}

export async function startOwnRedis(args: readonly string[] = []): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'scout-redis-'));
  let child: ChildProcess | null = null;
  const clients: Redis[] = [];
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        ...args,
      ],
      { stdio: 'ignore' },
    );
    // A fresh client per try: a client whose first connect failed refuses `connect()` while
    // it retries on its own, which made every start wait out all the tries.
    for (let i = 0; i < 100; i++) {
      const probe = new Redis({
        port,
        host: '127.0.0.1',
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        probe.disconnect();
      }
    }
    throw new Error(`redis-server did not answer on port ${port}`);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
      child = null;
    },
    async flushAll() {
      const r = new Redis({ port, host: '127.0.0.1' });
      await r.flushall();
      r.disconnect();
    },
    client() {
      const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: null });
      r.on('error', () => {});
      clients.push(r);
      return r;
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
