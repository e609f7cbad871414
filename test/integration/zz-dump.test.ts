import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { checkDemo } from '../../src/demo/demo-check.js';
import { startDemo } from '../../src/demo/start-demo.js';
import { renderBlocks, renderModal } from '../../src/sandbox/render-blocks.js';
import { createTestDatabase } from '../support/test-database.js';

it('dump', async () => {
  const database = await createTestDatabase();
  const demo = await startDemo({
    config: loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' }),
    logger: pino({ level: 'silent' }),
    dataDir: mkdtempSync(join(tmpdir(), 'dump-')),
    port: 0,
  });
  await checkDemo(demo, () => {});
  const ws = demo.sandbox.workspace;
  const ctx = { userName: (id: string) => ws.user(id)?.name ?? id, users: [...ws.users] };
  const strip = (h: string) =>
    h
      .replace(/<[^>]+>/g, ' ')
      .replace(/&[a-z#0-9]+;/g, ' ')
      .replace(/\s+/g, ' ');
  const out: string[] = [];
  for (const m of ws.messages)
    out.push(`MSG ${m.channel} ${m.threadTs ?? ''}: ${strip(renderBlocks(m.blocks, ctx))}`);
  for (const e of ws.ephemerals)
    if (e.source !== 'typed')
      out.push(`EPH ${e.channel} ${e.user}: ${strip(renderBlocks(e.blocks, ctx))} || ${e.text}`);
  writeFileSync('/tmp/dump.txt', out.join('\n'));
  await demo.stop();
  await database.destroy();
}, 300_000);
