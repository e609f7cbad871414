import { type ProvenanceRowJson, readProvenance } from '../db/provenance-reader.js';
import type { PropertyValue } from '../domain/values.js';
import {
  blockText,
  findCard,
  type SandboxClient,
  type SandboxState,
  sandboxClient,
} from '../sandbox/sandbox-client.js';
import type { Message } from '../sandbox/workspace.js';
import type { Demo } from './start-demo.js';

/** What every step of `scout demo --check` needs: the sandbox, the CRM, the log, and how to report. */
export interface CheckKit {
  readonly demo: Demo;
  readonly sandbox: SandboxClient;
  /** Reports a fact verified some other way than `expect`. */
  ok(line: string): void;
  /** Reports the fact, or throws naming it when it does not hold. */
  expect(cond: boolean, what: string): void;
  /** A deal's properties as the local CRM has them now. */
  deal(id: string): Promise<Readonly<Record<string, PropertyValue>>>;
  /** A live approval card for this field and deal in a channel, or a failure naming it. */
  card(state: SandboxState, channel: string, field: string, deal: string): Message;
  /** Waits until the card `ts` was updated to say `words`. */
  outcome(ts: string, words: string): Promise<Message>;
  /** Every provenance row so far, oldest first. */
  provenance(): Promise<ProvenanceRowJson[]>;
}

export function checkKit(demo: Demo, say: (line: string) => void): CheckKit {
  const sandbox = sandboxClient(demo.sandbox);
  const ok = (line: string) => say(`ok  ${line}`);
  return {
    demo,
    sandbox,
    ok,
    expect(cond, what) {
      if (!cond) throw new Error(`demo check failed: ${what}`);
      ok(what);
    },
    async deal(id) {
      const page = await demo.crm.pageDeals({ cursor: null, limit: 1, ids: [id] });
      const found = page.deals[0];
      if (!found) throw new Error(`demo check failed: deal ${id} is missing from the local CRM`);
      return found.properties;
    },
    card(state, channel, field, deal) {
      const c = findCard(state, channel, field, deal);
      if (!c) throw new Error(`demo check failed: no live ${field} card for ${deal} in ${channel}`);
      return c;
    },
    outcome: (ts, words) =>
      sandbox.waitFor(`the card ${ts} to say "${words}"`, (s) =>
        s.messages.find((m) => m.ts === ts && m.edited > 0 && blockText(m.blocks).includes(words)),
      ),
    async provenance() {
      const rows: ProvenanceRowJson[] = [];
      for await (const r of readProvenance(demo.database.db, {})) rows.push(r);
      return rows;
    },
  };
}
