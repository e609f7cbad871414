import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { advisoryDealLocks } from '../../src/db/deal-locks.js';
import { createRunLedger } from '../../src/db/run-ledger.js';
import { emptyUsage, formatRunSummary } from '../../src/domain/run-summary.js';
import { MAX_NOTE_CHARS_PER_DEAL } from '../../src/extraction/note-budget.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../src/policy-file.js';
import type { ExtractionRequest, ExtractorPort } from '../../src/services/ports/extractor.js';
import { runExtraction } from '../../src/services/run-extraction.js';
import { createHarness, EXAMPLE_SEED, type ScoutHarness } from '../support/scout-env.js';

describe('tokens per deal: the note cap, counted in the run summary', () => {
  let h: ScoutHarness | undefined;
  afterEach(async () => {
    await h?.database.destroy();
  });

  it('shows the newest notes within the cap, and the summary counts what was left out', async () => {
    const example = JSON.parse(readFileSync(EXAMPLE_SEED, 'utf8')) as { properties: unknown[] };
    const body = (i: number) => `Note ${i}. ${'Budget talk. '.repeat(1000)}`.slice(0, 5000);
    const seed = {
      users: [{ id: 'u1', name: 'Ana Ruiz', email: null, slack_user_id: null }],
      properties: example.properties,
      deals: [
        {
          id: 'd1',
          name: 'Long deal',
          owner_id: 'u1',
          properties: { dealstage: 'discovery' },
          notes: Array.from({ length: 8 }, (_, i) => ({
            id: `n${i + 1}`,
            type: 'call',
            created_at: new Date(Date.UTC(2026, 10, 1 + i, 12)).toISOString(),
            body: body(i + 1),
          })),
        },
      ],
    };
    const path = join(mkdtempSync(join(tmpdir(), 'scout-cost-')), 'seed.json');
    writeFileSync(path, JSON.stringify(seed));
    h = await createHarness({ seed: path });
    const seen: ExtractionRequest[] = [];
    const extractor: ExtractorPort = {
      model: 'claude-sonnet-5-5',
      async extract(request) {
        seen.push(request);
        return { findings: [], model: 'claude-sonnet-5-5', usage: emptyUsage() };
      },
    };
    const db = h.database.db;
    const summary = await runExtraction(
      {
        crm: createLocalCrm(db),
        extractor,
        ledger: createRunLedger(db),
        withDealLocks: advisoryDealLocks(db),
        policy: loadPolicyFile(DEFAULT_POLICY_PATH),
        liveWrites: undefined,
        clock: () => new Date(),
        newId: () => randomUUID(),
        logger: pino({ level: 'silent' }),
      },
      { apply: false },
    );
    const kept = Math.floor(MAX_NOTE_CHARS_PER_DEAL / 5000);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.notes.map((n) => n.id)).toEqual(
      Array.from({ length: kept }, (_, i) => `n${8 - kept + 1 + i}`),
    );
    expect(seen[0]?.notesLeftOut).toEqual({ notes: 8 - kept, chars: (8 - kept) * 5000 });
    // No user-type field in the default policy: no users in the prompt at all.
    expect(seen[0]?.users).toEqual([]);
    // The whole policy's glossary travels with every deal, open fields or not.
    expect(seen[0]?.glossary.map((f) => f.name)).toContain('next_step');
    expect(summary.extraction).toEqual({
      notes_left_out: 8 - kept,
      note_chars_left_out: (8 - kept) * 5000,
    });
    expect(formatRunSummary(summary)).toContain(
      `note cap: ${8 - kept} older new note(s) and ${(8 - kept) * 5000} characters not shown to the model`,
    );
  });
});
