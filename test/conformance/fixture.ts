import type { SeedFile } from '../../src/crm/seed-file.js';

/** The data every adapter is loaded with. Ids are numeric, as HubSpot's are. */
export const FIXTURE: SeedFile = {
  users: [
    { id: '101', name: 'Ana Ruiz', email: 'ana@example.com' },
    { id: '102', name: 'Ben Okafor', email: 'ben@example.com' },
  ],
  properties: [
    { name: 'economic_buyer', label: 'Economic buyer', type: 'text' },
    { name: 'forecast', label: 'Forecast', type: 'enum', options: ['low', 'medium', 'high'] },
    { name: 'champion_owner', label: 'Champion owner', type: 'user' },
    { name: 'seats', label: 'Seats', type: 'number' },
  ],
  deals: [
    {
      id: '1001',
      name: 'Acme — renewal',
      owner_id: '101',
      properties: {
        dealstage: 'discovery',
        amount: 48000,
        closedate: '2027-03-31',
        economic_buyer: 'Dana (CFO)',
        forecast: 'high',
        champion_owner: '102',
        seats: 0,
      },
      notes: [
        {
          id: '5003',
          type: 'meeting',
          created_at: '2026-11-21T10:00:00Z',
          body: 'Met the CFO. Budget approved.',
        },
        {
          id: '5001',
          type: 'call',
          created_at: '2026-11-20T15:00:00Z',
          body: 'Intro call: they reconcile contracts by hand.',
        },
        {
          id: '5002',
          type: 'email_reply',
          created_at: '2026-11-20T15:00:00Z',
          body: 'Reply: please send the security questionnaire.',
        },
        {
          id: '5004',
          type: 'note',
          created_at: '2026-11-22T09:00:00Z',
          body: 'Legal review takes two weeks.',
        },
        { id: '5005', type: 'email', created_at: '2026-11-22T12:00:00Z', body: 'Sent the MSA.' },
      ],
    },
    {
      id: '1002',
      name: 'Globex — new',
      owner_id: '102',
      properties: { dealstage: 'discovery' },
      notes: [],
    },
    {
      id: '1003',
      name: 'Initech',
      owner_id: null,
      properties: { amount: 1200 },
      notes: [{ id: '5010', type: 'call', created_at: '2026-10-01T08:00:00Z', body: 'Cold call.' }],
    },
    { id: '1004', name: 'Umbrella', owner_id: '101', properties: {}, notes: [] },
    { id: '1005', name: 'Hooli', owner_id: '101', properties: { seats: 12.5 }, notes: [] },
  ],
};
