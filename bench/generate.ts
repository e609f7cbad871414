/** Synthetic pipelines for benchmarks: deals × notes with findings that exercise every lane. */
export function generatePipeline(deals: number, notesPerDeal: number) {
  const seed = {
    users: [{ id: 'u1', name: 'Ana Ruiz', email: 'ana@example.com', slack_user_id: 'U01ANA' }],
    properties: [
      { name: 'economic_buyer', label: 'Economic buyer', type: 'text' },
      { name: 'competition', label: 'Competition', type: 'text' },
      { name: 'next_step', label: 'Next step', type: 'text' },
      { name: 'champion', label: 'Champion', type: 'text' },
    ],
    deals: [] as unknown[],
  };
  const replay: Record<string, unknown[]> = {};
  for (let i = 0; i < deals; i++) {
    const id = `d${i}`;
    const notes = Array.from({ length: notesPerDeal }, (_, j) => ({
      id: `${id}n${j}`,
      type: j % 2 === 0 ? 'call' : 'meeting',
      created_at: new Date(Date.UTC(2026, 9, 1 + j, 12)).toISOString(),
      body: `Call ${j} on deal ${i}. Budget sign-off sits with Person ${i}, the CFO. We compete with Vendor ${i % 7}. Next step: demo number ${j}. ${'Lorem ipsum dolor sit amet. '.repeat(10)}`,
    }));
    seed.deals.push({
      id,
      name: `Deal ${i}`,
      owner_id: 'u1',
      properties: {
        dealstage: 'discovery',
        amount: 1000 + i,
        champion: i % 3 === 0 ? 'Rep-entered' : null,
      },
      notes,
    });
    replay[id] = [
      {
        field: 'economic_buyer',
        value: `Person ${i} (CFO)`,
        note_id: `${id}n0`,
        quote: `sits with Person ${i}, the CFO`,
        confidence: 0.9,
      },
      {
        field: 'competition',
        value: `Vendor ${i % 7}`,
        note_id: `${id}n1`,
        quote: 'fabricated quote',
        confidence: 0.9,
      },
      {
        field: 'next_step',
        value: 'Demo',
        note_id: `${id}n1`,
        quote: 'Next step: demo number 1.',
        confidence: 0.95,
      },
      {
        field: 'champion',
        value: 'Someone',
        note_id: `${id}n0`,
        quote: `Call 0 on deal ${i}.`,
        confidence: 0.8,
      },
      {
        field: 'dealstage',
        value: 'closed_won',
        note_id: `${id}n0`,
        quote: `Call 0 on deal ${i}.`,
        confidence: 0.99,
      },
    ];
  }
  return { seed, replay };
}
