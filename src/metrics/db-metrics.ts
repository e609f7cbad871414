import { sql } from 'drizzle-orm';
import { Gauge, Registry } from 'prom-client';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/field-stats-query.js';
import { baseField } from '../domain/field-stats.js';
import { estimateCost } from '../domain/model-pricing.js';
import { emptyUsage, type ModelUsage } from '../domain/run-summary.js';

type Rows = Array<Record<string, unknown>>;

interface Snapshot {
  readonly runs: Rows;
  readonly lastRuns: Rows;
  readonly decisions: Rows;
  readonly pending: Rows;
  readonly usage: Rows;
  readonly queues: Rows;
  readonly heartbeats: Rows;
}

/** A scrape reads Postgres once for every gauge; two scrapes within this share it. */
const SNAPSHOT_MS = 1000;

async function readSnapshot(db: Db): Promise<Snapshot> {
  const q = async (query: ReturnType<typeof sql>) => rowsOf(await db.execute(query));
  const [runs, lastRuns, decisions, pending, usage, queues, heartbeats] = await Promise.all([
    q(
      sql`select kind, mode, status, requested_apply, count(*)::int as n from runs group by 1, 2, 3, 4`,
    ),
    q(sql`select distinct on (kind, mode) kind, mode,
        extract(epoch from started_at)::float8 as started,
        extract(epoch from finished_at)::float8 as finished
      from runs where finished_at is not null order by kind, mode, finished_at desc`),
    q(sql`select field, action, count(*)::int as n from provenance group by 1, 2`),
    q(sql`select field, count(*)::int as n,
        extract(epoch from now() - min(created_at))::float8 as oldest
      from proposals where status = 'pending' group by 1`),
    q(sql`select kind, model, sum((usage->>'input_tokens')::bigint)::float8 as input_tokens,
        sum((usage->>'output_tokens')::bigint)::float8 as output_tokens,
        sum((usage->>'cache_creation_input_tokens')::bigint)::float8 as cache_creation_input_tokens,
        sum((usage->>'cache_read_input_tokens')::bigint)::float8 as cache_read_input_tokens
      from runs where usage ? 'input_tokens' group by 1, 2`),
    q(sql`select 'deals' as queue, d.state, count(*)::int as n
        from run_deals d join runs r on r.id = d.run_id where r.status = 'running' group by 2
      union all select 'runs', 'running', count(*)::int from runs where status = 'running'
      union all select 'outbox', 'unrelayed', count(*)::int from outbox where relayed_at is null`),
    q(sql`select name, extract(epoch from beat_at)::float8 as beat from heartbeats`),
  ]);
  return { runs, lastRuns, decisions, pending, usage, queues, heartbeats };
}

const str = (v: unknown) => String(v ?? '');
const num = (v: unknown) => Number(v ?? 0);

/**
 * Gauges computed from Postgres at scrape time (docs/guarantees.md#g27): right whichever process
 * scrapes, across any number of workers, and after restarts. Counts that only grow
 * (runs, decisions, tokens) are gauges of a total: use `increase()` on them as on a
 * counter. Labels are bounded: kinds, modes, statuses, actions and policy fields, never
 * a deal, a run or a user.
 */
export function dbRegistry(db: Db): Registry {
  const registry = new Registry();
  let cached: { at: number; snapshot: Promise<Snapshot> } | null = null;
  const snapshot = () => {
    const now = Date.now();
    if (!cached || now - cached.at > SNAPSHOT_MS) {
      const read = readSnapshot(db);
      read.catch(() => {
        cached = null;
      });
      cached = { at: now, snapshot: read };
    }
    return cached.snapshot;
  };
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    fill: (g: Gauge<L>, s: Snapshot) => void,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const s = await snapshot();
        this.reset();
        fill(this, s);
      },
    });

  gauge(
    'scout_runs',
    'Runs recorded, by kind (extract, extract_batch, undo), mode (live, dry_run), status and whether live writes were requested',
    ['kind', 'mode', 'status', 'requested'],
    (g, s) => {
      for (const r of s.runs)
        g.set(
          {
            kind: str(r.kind),
            mode: str(r.mode),
            status: str(r.status),
            requested: r.requested_apply ? 'apply' : 'dry',
          },
          num(r.n),
        );
    },
  );
  gauge(
    'scout_last_run_finished_timestamp_seconds',
    'When the newest finished run of each kind and mode finished (Unix time)',
    ['kind', 'mode'],
    (g, s) => {
      for (const r of s.lastRuns) g.set({ kind: str(r.kind), mode: str(r.mode) }, num(r.finished));
    },
  );
  gauge(
    'scout_last_run_duration_seconds',
    'How long the newest finished run of each kind and mode took',
    ['kind', 'mode'],
    (g, s) => {
      for (const r of s.lastRuns)
        g.set({ kind: str(r.kind), mode: str(r.mode) }, num(r.finished) - num(r.started));
    },
  );
  gauge(
    'scout_decisions',
    'Provenance rows (every decision Scout or a person made) by action and field; suggestions count under their rep field',
    ['action', 'field'],
    (g, s) => {
      const totals = new Map<string, number>();
      for (const r of s.decisions) {
        const key = JSON.stringify([str(r.action), baseField(str(r.field))]);
        totals.set(key, (totals.get(key) ?? 0) + num(r.n));
      }
      for (const [key, n] of totals) {
        const [action, field] = JSON.parse(key) as [string, string];
        g.set({ action, field }, n);
      }
    },
  );
  gauge('scout_pending_proposals', 'Proposals awaiting a decision, by field', ['field'], (g, s) => {
    for (const r of s.pending) g.set({ field: str(r.field) }, num(r.n));
  });
  gauge(
    'scout_pending_proposal_oldest_age_seconds',
    'Age of the oldest proposal awaiting a decision, by field',
    ['field'],
    (g, s) => {
      for (const r of s.pending) g.set({ field: str(r.field) }, num(r.oldest));
    },
  );
  gauge(
    'scout_model_tokens',
    'Model tokens spent by finished runs, by kind of token (input, output, cache_creation_input, cache_read_input)',
    ['type'],
    (g, s) => {
      const total = totalUsage(s.usage);
      g.set({ type: 'input' }, total.input_tokens);
      g.set({ type: 'output' }, total.output_tokens);
      g.set({ type: 'cache_creation_input' }, total.cache_creation_input_tokens);
      g.set({ type: 'cache_read_input' }, total.cache_read_input_tokens);
    },
  );
  gauge(
    'scout_model_cost_usd',
    'Estimated model spend of finished runs in US dollars, at list prices (models without a known price count 0)',
    [],
    (g, s) => {
      let dollars = 0;
      for (const r of s.usage)
        dollars += estimateCost(usageOf(r), str(r.model), str(r.kind) === 'extract_batch') ?? 0;
      g.set(dollars);
    },
  );
  gauge(
    'scout_queue_depth',
    "Work waiting in Postgres: running runs' deal jobs by state, running runs, and approvals not yet relayed to the queue",
    ['queue', 'state'],
    (g, s) => {
      for (const r of s.queues) g.set({ queue: str(r.queue), state: str(r.state) }, num(r.n));
    },
  );
  gauge(
    'scout_heartbeat_timestamp_seconds',
    "The worker's last heartbeat (Unix time): a silent worker stops moving it",
    ['name'],
    (g, s) => {
      for (const r of s.heartbeats) g.set({ name: str(r.name) }, num(r.beat));
    },
  );
  return registry;
}

function usageOf(r: Record<string, unknown>): ModelUsage {
  return {
    ...emptyUsage(),
    input_tokens: num(r.input_tokens),
    output_tokens: num(r.output_tokens),
    cache_creation_input_tokens: num(r.cache_creation_input_tokens),
    cache_read_input_tokens: num(r.cache_read_input_tokens),
  };
}

function totalUsage(rows: Rows): ModelUsage {
  const total = emptyUsage();
  for (const r of rows) {
    const u = usageOf(r);
    total.input_tokens += u.input_tokens;
    total.output_tokens += u.output_tokens;
    total.cache_creation_input_tokens += u.cache_creation_input_tokens;
    total.cache_read_input_tokens += u.cache_read_input_tokens;
  }
  return total;
}
