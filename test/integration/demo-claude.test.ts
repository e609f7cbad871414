import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DEMO_REPLAY, DEMO_SEED } from '../../src/demo/demo-files.js';
import { type Demo, startDemo } from '../../src/demo/start-demo.js';
import { blockText, sandboxClient } from '../../src/sandbox/sandbox-client.js';
import {
  type AnthropicStandIn,
  dealNameOf,
  startAnthropicStandIn,
} from '../support/anthropic-stand-in.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

interface SeedDeal {
  id: string;
  name: string;
  notes?: Array<{ body: string }>;
}

const seed = JSON.parse(readFileSync(DEMO_SEED, 'utf8')) as { deals: SeedDeal[] };
const samples = JSON.parse(readFileSync(DEMO_REPLAY, 'utf8')) as Record<string, unknown[]>;

describe('scout demo with ANTHROPIC_API_KEY: the Claude extractor reads the sample notes', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** The demo on a test database of its own: a clone starts in milliseconds, PGlite in seconds. */
  async function demoOn(env: Record<string, string>): Promise<Demo> {
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => database.destroy());
    const dataDir = mkdtempSync(join(tmpdir(), 'scout-demo-claude-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const demo = await startDemo({
      config: loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', ...env }),
      logger: pino({ level: 'silent' }),
      dataDir,
      port: 0,
    });
    cleanups.push(() => demo.stop());
    return demo;
  }

  it('names Claude in its setup, asks the Messages API about every deal with notes, and runs to the end', async () => {
    const api: AnthropicStandIn = await startAnthropicStandIn();
    cleanups.push(() => api.close());
    // Claude answers what the sample answers say, so the run has something to propose.
    const byName = new Map(seed.deals.map((d) => [d.name, samples[d.id] ?? []]));
    api.reply = (request) => ({
      kind: 'findings',
      // A finding naming another deal voids a whole answer; Claude's strict tool schema has no
      // such field (the sample's d03 injection has one).
      findings: (byName.get(dealNameOf(request) ?? '') ?? []).filter(
        (f) => !(typeof f === 'object' && f && 'deal_id' in f),
      ),
    });
    const demo = await demoOn({ ANTHROPIC_API_KEY: api.apiKey, ANTHROPIC_BASE_URL: api.url });

    expect(demo.setup).toContain(
      'model: Claude (claude-sonnet-5-5) with ANTHROPIC_API_KEY — real tokens',
    );
    expect(demo.setup.join('\n')).not.toContain('SAMPLE');

    const { summary, text } = await demo.run(false);
    expect(summary.mode).toBe('dry_run');
    expect(summary.model).toBe('claude-sonnet-5-5');
    const withNotes = seed.deals.filter((d) => (d.notes ?? []).length > 0);
    expect(summary.deals).toEqual({
      extracted: withNotes.length,
      no_new_notes: seed.deals.length - withNotes.length,
      failed: 0,
    });
    expect(summary.usage.input_tokens).toBeGreaterThan(0);

    // One Messages request per deal with notes, each carrying that deal's own notes.
    expect(api.violations).toEqual([]);
    expect(api.requests.map((r) => dealNameOf(r.body)).sort()).toEqual(
      withNotes.map((d) => d.name).sort(),
    );
    for (const deal of withNotes) {
      const request = api.requests.find((r) => dealNameOf(r.body) === deal.name);
      const prompt = JSON.stringify(request?.body.messages);
      for (const note of deal.notes ?? [])
        expect(prompt, `${deal.id}'s request carries its note`).toContain(
          JSON.stringify(note.body).slice(1, -1),
        );
    }

    // The answers went through the same gates into the sandbox: summary posted, cards threaded.
    const state = await sandboxClient(demo.sandbox).state();
    expect(
      state.messages.some(
        (m) => m.channel === 'C0OPS' && blockText(m.blocks).startsWith('DRY RUN'),
      ),
    ).toBe(true);
    // A dry run is a rehearsal for ops: its cards are previews in #scout-ops, no rep is messaged.
    expect(
      state.messages.some(
        (m) => m.channel === 'C0OPS' && m.text.startsWith('[DRY RUN] Scout proposes'),
      ),
    ).toBe(true);
    expect(state.messages.some((m) => m.channel.startsWith('D'))).toBe(false);
    expect(text.split('\n')[0]).toBe('DRY RUN — nothing was written');
  });
});
