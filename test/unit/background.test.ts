import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createBackground } from '../../src/slack/background.js';

describe('background work after the ack', () => {
  it('runs a bounded number of tasks at once, queues the rest, and idle() waits for all', async () => {
    const background = createBackground(pino({ level: 'silent' }), 3);
    let running = 0;
    let most = 0;
    const done: number[] = [];
    for (let i = 0; i < 20; i++)
      background.run(`task ${i}`, async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 2));
        running -= 1;
        done.push(i);
      });
    await background.idle();
    expect(most).toBe(3);
    expect(done).toHaveLength(20);
  });

  it('logs a failing task and goes on with the others', async () => {
    const background = createBackground(pino({ level: 'silent' }), 1);
    const done: string[] = [];
    background.run('fails', async () => {
      throw new Error('boom');
    });
    background.run('works', async () => {
      done.push('works');
    });
    await background.idle();
    expect(done).toEqual(['works']);
  });
});
