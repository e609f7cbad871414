import { InvalidArgumentError } from 'commander';
import type { AppContext } from '../app-context.js';
import { type Config, loadConfig } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import type { StopSignal } from './demo-command.js';
import type { CliIo } from './output.js';

/** What every `scout` subcommand shares: its I/O, the configuration read once, and the app. */
export interface CliContext {
  readonly io: CliIo;
  /** Reads the environment and makes the logger on first use, so `--help` needs neither. */
  boot(): { config: Config; logger: Logger };
  /** The logger, if a command got as far as making one (error reports use it). */
  bootedLogger(): Logger | undefined;
  /** Opens the app (database, CRM, stores) for one command and closes it afterwards. */
  withApp<T>(fn: (app: AppContext) => Promise<T>): Promise<T>;
}

export function createCliContext(io: CliIo): CliContext {
  let booted: { config: Config; logger: Logger } | undefined;
  const boot = () => {
    if (!booted) {
      const config = loadConfig(io.env);
      booted = { config, logger: createLogger(config.LOG_LEVEL) };
    }
    return booted;
  };
  return {
    io,
    boot,
    bootedLogger: () => booted?.logger,
    async withApp(fn) {
      const { config, logger } = boot();
      const { openApp } = await import('../app-context.js');
      const app = await openApp(config, logger);
      try {
        return await fn(app);
      } finally {
        await app.close();
      }
    },
  };
}

export const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1)
    throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
};

export const collect = (value: string, previous: string[]): string[] => [...previous, value];

export const port = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535)
    throw new InvalidArgumentError('must be a port, 0 to 65535');
  return n;
};

/** Resolves on the first SIGINT or SIGTERM, so the caller can shut down in order. */
export function untilSignal(): Promise<void> {
  return listenForStop().stopped;
}

/** Takes over SIGINT and SIGTERM until the first arrives, or until `release`. */
export function listenForStop(): StopSignal {
  let release = () => {};
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      release();
      resolve();
    };
    release = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return { stopped, release };
}
