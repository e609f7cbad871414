import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app-context.js';
import { startServe } from '../../src/cli/serve-command.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createHarness, type ScoutHarness } from '../support/scout-env.js';

const TOKEN = 'dashboard-token-for-tests-0123456789';

describe('/dashboard on scout serve, behind SCOUT_DASHBOARD_TOKEN (G27)', () => {
  let h: ScoutHarness;
  let base: string;
  let stop: () => Promise<void>;
  const start = async (token?: string) => {
    const config = loadConfig({
      ...h.env,
      PORT: '1',
      LOG_LEVEL: 'silent',
      ...(token ? { SCOUT_DASHBOARD_TOKEN: token } : {}),
    });
    const app = await openApp(config, createLogger('silent'));
    // PORT 1 only passes validation; listen on any free port instead.
    const serving = await startServe({ ...app, config: { ...config, PORT: 0 } });
    base = `http://127.0.0.1:${serving.server.port}`;
    stop = async () => {
      await serving.stop();
      await app.close();
    };
  };
  beforeEach(async () => {
    h = await createHarness();
    await h.ok(['run', '--apply'], { LIVE_WRITES: '1' });
    await h.ok(['run']);
  });
  afterEach(async () => {
    await stop();
    await h.database.destroy();
  });

  it('refuses without the token, opens with a bearer header or the login cookie', async () => {
    await start(TOKEN);
    const bare = await fetch(`${base}/dashboard`);
    expect(bare.status).toBe(401);
    expect(await bare.text()).toContain('name="token"');
    expect(
      (await fetch(`${base}/dashboard`, { headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
    expect(
      (await fetch(`${base}/dashboard`, { headers: { cookie: 'scout_dashboard=forged' } })).status,
    ).toBe(401);

    const bearer = await fetch(`${base}/dashboard`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(bearer.status).toBe(200);
    expect(bearer.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await bearer.text();
    for (const id of ['runs', 'cost', 'decisions', 'rates', 'confidence', 'pending', 'advice'])
      expect(html).toContain(`<section id="${id}">`);
    expect(html).toContain('<svg');
    expect(html).toContain('live (1)');
    expect(html).toContain('dry (1)');
    // Every asset is on the page: no script, no external URL.
    expect(html).not.toMatch(/<script|src=|https?:\/\//);
    expect(html).not.toContain(TOKEN);

    const wrong = await fetch(`${base}/dashboard/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'nope' }),
      redirect: 'manual',
    });
    expect(wrong.status).toBe(401);
    const login = await fetch(`${base}/dashboard/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: TOKEN }),
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict; Path=\/dashboard/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0] as string;
    expect((await fetch(`${base}/dashboard`, { headers: { cookie: session } })).status).toBe(200);
    // /metrics is served beside it, without the token.
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it('is off without SCOUT_DASHBOARD_TOKEN', async () => {
    await start();
    const r = await fetch(`${base}/dashboard`, { headers: { authorization: 'Bearer anything' } });
    expect(r.status).toBe(404);
    expect(await r.text()).toContain('set SCOUT_DASHBOARD_TOKEN');
  });
});
