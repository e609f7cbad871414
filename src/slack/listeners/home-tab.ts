import type * as bolt from '@slack/bolt';
import type { ListenerContext } from './context.js';

/** The App Home tab is published whenever its owner opens it (when the Home tab is set up). */
export function registerHomeTab(app: bolt.App, ctx: ListenerContext): void {
  if (!ctx.deps.home) return;
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab === 'home') ctx.refreshHomes(event.user);
  });
}
