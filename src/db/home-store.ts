import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import type { ProposalRow } from '../domain/proposal.js';
import type { OfferRow } from '../domain/suggestion-offer.js';
import type { Db } from './client.js';
import { proposals, runs, suggestionOffers } from './schema.js';

/** How many of a kind the Home tab reads at most: it shows fewer, and counts the rest. */
const LIMIT = 200;

/** What a person's App Home tab reads (SPEC issue 17): read-only queries of Scout's own tables. */
export interface HomeStore {
  /** Live proposals awaiting this owner, newest first. */
  pendingFor(slackUserId: string): Promise<ProposalRow[]>;
  /** Open suggestion offers of live runs awaiting this owner, newest first. */
  openOffersFor(slackUserId: string): Promise<OfferRow[]>;
  /** Live pending proposals per owner (null: not routed to anyone), oldest waiting first. */
  pendingByOwner(): Promise<Array<{ owner: string | null; pending: number; oldest: Date }>>;
  recentRuns(
    n: number,
  ): Promise<Array<{ id: string; mode: string; status: string; startedAt: Date; scanned: number }>>;
}

export function createHomeStore(db: Db): HomeStore {
  return {
    pendingFor: (user) =>
      db
        .select()
        .from(proposals)
        .where(
          and(
            eq(proposals.status, 'pending'),
            eq(proposals.dryRun, false),
            eq(proposals.ownerSlackId, user),
          ),
        )
        .orderBy(desc(proposals.createdAt), asc(proposals.id))
        .limit(LIMIT),

    openOffersFor: (user) =>
      db
        .select()
        .from(suggestionOffers)
        .where(
          and(
            eq(suggestionOffers.status, 'open'),
            eq(suggestionOffers.dryRun, false),
            eq(suggestionOffers.ownerSlackId, user),
          ),
        )
        .orderBy(desc(suggestionOffers.createdAt), asc(suggestionOffers.field))
        .limit(LIMIT),

    async pendingByOwner() {
      const rows = await db
        .select({
          owner: proposals.ownerSlackId,
          pending: sql<number>`count(*)::int`,
          oldest: sql<Date>`min(${proposals.createdAt})`.mapWith((v: string) => new Date(v)),
        })
        .from(proposals)
        .where(and(eq(proposals.status, 'pending'), eq(proposals.dryRun, false)))
        .groupBy(proposals.ownerSlackId)
        .orderBy(sql`min(${proposals.createdAt})`);
      return rows;
    },

    recentRuns: (n) =>
      db
        .select({
          id: runs.id,
          mode: runs.mode,
          status: runs.status,
          startedAt: runs.startedAt,
          scanned: runs.scanned,
        })
        .from(runs)
        .where(ne(runs.kind, 'undo'))
        .orderBy(desc(runs.startedAt))
        .limit(n),
  };
}
