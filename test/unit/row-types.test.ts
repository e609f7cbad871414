import { describe, expectTypeOf, it } from 'vitest';
import type {
  proposals,
  provenance,
  runs,
  suggestionOffers,
  writeIntents,
} from '../../src/db/schema.js';
import type { ProposalEntry, ProposalRow } from '../../src/domain/proposal.js';
import type { ProvenanceEntry, ProvenanceRow } from '../../src/domain/provenance.js';
import type { NewRun, RunRow } from '../../src/domain/run-record.js';
import type { OfferRow } from '../../src/domain/suggestion-offer.js';
import type { IntentRow } from '../../src/domain/write-intent.js';

/** Flattens drizzle's inferred types, so they compare with plain interfaces. */
type Plain<T> = { [K in keyof T]: T[K] };

// The domain owns the row types services see; `npm run typecheck` fails when a table and
// its domain type drift apart (this test only has to compile).
describe('the domain row types match the schema', () => {
  it('rows read', () => {
    expectTypeOf<ProposalRow>().toEqualTypeOf<Plain<typeof proposals.$inferSelect>>();
    expectTypeOf<ProvenanceRow>().toEqualTypeOf<Plain<typeof provenance.$inferSelect>>();
    expectTypeOf<RunRow>().toEqualTypeOf<Plain<typeof runs.$inferSelect>>();
    expectTypeOf<OfferRow>().toEqualTypeOf<Plain<typeof suggestionOffers.$inferSelect>>();
    expectTypeOf<IntentRow>().toEqualTypeOf<Plain<typeof writeIntents.$inferSelect>>();
  });

  it('rows written', () => {
    expectTypeOf<Plain<NewRun>>().toEqualTypeOf<Plain<typeof runs.$inferInsert>>();
    expectTypeOf<ProposalEntry>().toEqualTypeOf<
      Plain<Omit<typeof proposals.$inferInsert, 'createdAt' | 'status' | 'version'>>
    >();
    expectTypeOf<Plain<Omit<ProvenanceEntry, 'action'>>>().toEqualTypeOf<
      Plain<Omit<typeof provenance.$inferInsert, 'id' | 'createdAt' | 'action'>>
    >();
  });
});
