import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { screenText, sentences } from '../../src/domain/injection-screen.js';
import { vendorPath } from '../support/vendor-dir.js';

/** Sales-note sentences full of imperatives, written for this test (see the file's header). */
const BENIGN = readFileSync(
  new URL('../fixtures/injection-screen/benign-sales-sentences.txt', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.startsWith('#'));

/** The 100 BIPIA emails (receipts, newsletters, threads), sentence by sentence: benign text nobody tuned the rules on. */
const EMAIL_SENTENCES = ['email_train.jsonl', 'email_test.jsonl']
  .flatMap((f) =>
    readFileSync(vendorPath(`corpora/bipia/${f}`), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== ''),
  )
  .flatMap((l) => sentences(String((JSON.parse(l) as { context: string }).context)));

function flaggedShare(texts: readonly string[]) {
  const flagged = texts.filter((t) => screenText(t).flagged);
  return { flagged, rate: flagged.length / texts.length };
}

describe('the injection screen on benign text (false positives)', () => {
  it('the benign set is at least 200 varied sentences, not one line templated', () => {
    expect(BENIGN.length).toBeGreaterThanOrEqual(200);
    expect(new Set(BENIGN).size).toBe(BENIGN.length);
    const openers = new Set(BENIGN.map((l) => l.split(/\s+/)[0]?.toLowerCase()));
    expect(openers.size).toBeGreaterThanOrEqual(80);
    const imperatives = BENIGN.filter((l) =>
      /^(please |kindly )?(send|ignore|disregard|forget|set|use|update|add|remove|replace|write|explain|summarize|translate|describe|recommend|suggest|reply|respond|override)\b/i.test(
        l,
      ),
    );
    expect(imperatives.length).toBeGreaterThanOrEqual(30);
  });

  it('flags at most 1% of the sales-note sentences', () => {
    const { flagged, rate } = flaggedShare(BENIGN);
    console.info(
      `injection screen, benign sales notes: ${flagged.length} of ${BENIGN.length} flagged (${(rate * 100).toFixed(2)}%)`,
    );
    expect(rate, `flagged: ${JSON.stringify(flagged)}`).toBeLessThanOrEqual(0.01);
  });

  it('flags at most 1% of the sentences of the BIPIA carrier emails', () => {
    expect(EMAIL_SENTENCES.length).toBeGreaterThan(500);
    const { flagged, rate } = flaggedShare(EMAIL_SENTENCES);
    console.info(
      `injection screen, BIPIA email sentences: ${flagged.length} of ${EMAIL_SENTENCES.length} flagged (${(rate * 100).toFixed(2)}%)`,
    );
    expect(rate, `flagged: ${JSON.stringify(flagged)}`).toBeLessThanOrEqual(0.01);
  });
});
