import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;
  readonly messages: Array<Record<string, unknown>>;
  readonly stderr: () => string;
  onMessage(fn: (m: Record<string, unknown>) => void): void;
}

/** Starts a TypeScript entry in its own Node process with IPC, the way tests kill workers. */
export function spawnTs(entry: string, env: Record<string, string>): WorkerProcess {
  const path = fileURLToPath(new URL(entry, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', path], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let err = '';
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  const messages: Array<Record<string, unknown>> = [];
  const listeners: Array<(m: Record<string, unknown>) => void> = [];
  child.on('message', (m) => {
    messages.push(m as Record<string, unknown>);
    for (const l of listeners) l(m as Record<string, unknown>);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const ready = new Promise<void>((resolve, reject) => {
    listeners.push((m) => m.type === 'ready' && resolve());
    void exited.then((code) => reject(new Error(`worker exited (${code}) before ready: ${err}`)));
  });
  ready.catch(() => {});
  return {
    child,
    ready,
    exited,
    messages,
    stderr: () => err,
    onMessage: (fn) => listeners.push(fn),
  };
}
