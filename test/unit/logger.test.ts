import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

describe('the logger (G18)', () => {
  it('redacts secrets wherever they appear as keys', () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    logger.info(
      {
        SLACK_BOT_TOKEN: 'xoxb-canary-1',
        config: { ANTHROPIC_API_KEY: 'sk-ant-canary-2', HUBSPOT_ACCESS_TOKEN: 'pat-canary-3' },
        token: 'xapp-canary-4',
        request: { headers: { authorization: 'Bearer canary-5' } },
      },
      'something happened',
    );
    const out = lines.join('');
    for (const canary of [
      'xoxb-canary-1',
      'sk-ant-canary-2',
      'pat-canary-3',
      'xapp-canary-4',
      'canary-5',
    ])
      expect(out).not.toContain(canary);
    expect(out.match(/\[redacted\]/g)).toHaveLength(5);
  });
});
