import type { SeedFile } from '../../src/crm/seed-file.js';

/**
 * A synthetic pipeline with numeric ids (HubSpot's kind), loadable into both the local
 * CRM and the HubSpot stand-in, and replay findings that reach every lane: a suggestion,
 * a fabricated quote, an auto field, a rep-filled field, a denied field, and a close date
 * that needs approval (cited from a meeting on some deals, a call on others).
 */
export function numericPipeline(deals: number, notesPerDeal: number) {
  const seed: SeedFile = {
    users: [
      { id: '101', name: 'Ana Ruiz', email: 'ana@example.com', slack_user_id: 'U01ANA' },
      { id: '102', name: 'Ben Okafor', email: 'ben@example.com', slack_user_id: 'U01BEN' },
    ],
    properties: [
      {
        name: 'dealstage',
        label: 'Stage',
        type: 'enum',
        options: ['discovery', 'proposal', 'closed_won'],
      },
      { name: 'economic_buyer', label: 'Economic buyer', type: 'text' },
      { name: 'competition', label: 'Competition', type: 'text' },
      { name: 'next_step', label: 'Next step', type: 'text' },
      { name: 'champion', label: 'Champion', type: 'text' },
    ],
    deals: [],
  };
  const replay: Record<string, unknown[]> = {};
  const types = ['call', 'meeting', 'note', 'email', 'email_reply'] as const;
  for (let i = 0; i < deals; i++) {
    const id = String(10_001 + i);
    const noteId = (j: number) => String(1_000_000 + i * 100 + j);
    const notes = Array.from({ length: notesPerDeal }, (_, j) => ({
      id: noteId(j),
      type: types[(i + j) % types.length] as (typeof types)[number],
      created_at: new Date(Date.UTC(2026, 9, 1 + j, 12, i % 60)).toISOString(),
      body: `Conversation ${j} on deal ${i}. Budget sign-off sits with Person ${i}, the CFO. We compete with Vendor ${i % 7}. Next step: demo number ${j}. They plan to sign by 2027-0${1 + (i % 9)}-15.`,
    }));
    seed.deals.push({
      id,
      name: `Deal ${i}`,
      owner_id: i % 4 === 0 ? '102' : '101',
      properties: {
        dealstage: 'discovery',
        amount: 1000 + i,
        champion: i % 3 === 0 ? 'Rep-entered' : null,
        ...(i % 5 === 0 ? { closedate: '2027-12-31' } : {}),
      },
      notes,
    });
    const last = notesPerDeal - 1;
    replay[id] = [
      {
        field: 'economic_buyer',
        value: `Person ${i} (CFO)`,
        note_id: noteId(0),
        quote: `sits with Person ${i}, the CFO`,
        confidence: 0.9,
      },
      {
        field: 'competition',
        value: `Vendor ${i % 7}`,
        note_id: noteId(0),
        quote: 'fabricated quote',
        confidence: 0.9,
      },
      {
        field: 'next_step',
        value: `Demo ${last}`,
        note_id: noteId(last),
        quote: `Next step: demo number ${last}.`,
        confidence: 0.95,
      },
      {
        field: 'champion',
        value: 'Someone',
        note_id: noteId(0),
        quote: `Conversation 0 on deal ${i}.`,
        confidence: 0.8,
      },
      {
        field: 'dealstage',
        value: 'closed_won',
        note_id: noteId(0),
        quote: `Conversation 0 on deal ${i}.`,
        confidence: 0.99,
      },
      {
        field: 'closedate',
        value: `2027-0${1 + (i % 9)}-15`,
        note_id: noteId(1 % notesPerDeal),
        quote: `They plan to sign by 2027-0${1 + (i % 9)}-15.`,
        confidence: 0.85,
      },
    ];
  }
  return { seed, replay };
}
