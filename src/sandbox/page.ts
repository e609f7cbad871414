import {
  confirmDialog,
  escapeHtml,
  type RenderContext,
  renderBlocks,
  renderModal,
} from './render-blocks.js';
import { TOKEN_HEADER } from './request-guard.js';
import {
  BOT_USER,
  compareTs,
  type Ephemeral,
  type Message,
  OPS_CHANNEL,
  type Workspace,
} from './workspace.js';

/** A control the host app adds to the ops channel (the demo's dry-run and live-run buttons). */
export interface SandboxControl {
  readonly id: string;
  readonly label: string;
  readonly style?: 'primary' | 'danger';
  /** Asked before the control runs, as a Block Kit button's `confirm` dialog is. */
  readonly confirm?: {
    readonly title: string;
    readonly text: string;
    readonly confirm: string;
    readonly deny: string;
  };
}

/**
 * A page of the host app the controls bar opens in a new tab by posting a form: the demo's
 * dashboard, signed in with the token the demo made. The fields travel in the form, never
 * in a URL, and the page carrying them is served on 127.0.0.1 only.
 */
export interface SandboxFormLink {
  readonly label: string;
  readonly action: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface PaneView {
  readonly pane: string;
  readonly modal: string;
  readonly sidebar: string;
  /** Changes only when the modal must be redrawn, so typing in it is not wiped by a refresh. */
  readonly modalKey: string;
  readonly version: number;
}

function time(ts: string): string {
  return new Date(Number(ts.split('.')[0]) * 1000).toISOString().slice(11, 16);
}

function avatar(name: string, bot: boolean): string {
  return `<div class="avatar${bot ? ' bot' : ''}">${escapeHtml(name.slice(0, 1).toUpperCase())}</div>`;
}

function context(workspace: Workspace): RenderContext {
  return {
    userName: (id) => (id === BOT_USER ? 'Scout' : (workspace.user(id)?.name ?? id)),
    users: workspace.users,
  };
}

function messageHtml(m: Message, workspace: Workspace, replies: Message[]): string {
  const ctx = { ...context(workspace), message: { channel: m.channel, ts: m.ts } };
  const author =
    m.user === BOT_USER ? 'Scout <span class="app">APP</span>' : escapeHtml(ctx.userName(m.user));
  const body =
    m.blocks.length > 0
      ? renderBlocks(m.blocks, ctx)
      : `<div class="blk section"><div class="body"><div class="text">${escapeHtml(m.text)}</div></div></div>`;
  const edited = m.edited > 0 ? ' <span class="edited">(edited)</span>' : '';
  const thread =
    replies.length > 0
      ? `<div class="thread" data-thread="${escapeHtml(m.ts)}"><div class="thread-count">${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}</div>${replies.map((r) => messageHtml(r, workspace, [])).join('')}</div>`
      : '';
  return `<div class="msg" id="m${escapeHtml(m.ts.replace('.', ''))}" data-ts="${escapeHtml(m.ts)}">${avatar(m.user === BOT_USER ? 'Scout' : ctx.userName(m.user), m.user === BOT_USER)}<div class="content"><div class="meta"><span class="author">${author}</span> <span class="time">${time(m.ts)}</span>${edited}</div>${body}${thread}</div></div>`;
}

/** A command the person typed, or the bot's reply only they see, stamped like a message. */
function ephemeralHtml(e: Ephemeral, as: string, ctx: RenderContext): string {
  const stamp = `<span class="time">${time(e.ts)}</span>`;
  if (e.source === 'typed')
    return `<div class="msg typed">${avatar(ctx.userName(as), false)}<div class="content"><div class="meta"><span class="author">${escapeHtml(ctx.userName(as))}</span> ${stamp} <span class="only">typed a command</span></div><code>${escapeHtml(e.text)}</code></div></div>`;
  const body =
    e.blocks.length > 0
      ? renderBlocks(e.blocks, { ...ctx, message: { channel: e.channel, ts: e.ts } })
      : `<div class="text">${renderBlocks([{ type: 'section', text: { type: 'mrkdwn', text: e.text } }], ctx)}</div>`;
  return `<div class="msg ephemeral">${avatar('Scout', true)}<div class="content"><div class="meta"><span class="author">Scout <span class="app">APP</span></span> ${stamp} <span class="only">Only visible to you</span></div>${body}</div></div>`;
}

/** A demo control, with its confirmation dialog when it has one. */
function controlHtml(c: SandboxControl, ctx: RenderContext): string {
  const dialog = c.confirm
    ? confirmDialog(
        {
          title: { type: 'plain_text', text: c.confirm.title },
          text: { type: 'mrkdwn', text: c.confirm.text },
          confirm: { type: 'plain_text', text: c.confirm.confirm },
          deny: { type: 'plain_text', text: c.confirm.deny },
        },
        ctx,
      )
    : '';
  return `<button type="button" class="btn${c.style ? ` ${c.style}` : ''}" data-control="${escapeHtml(c.id)}"${dialog ? ' data-confirm="1"' : ''}>${escapeHtml(c.label)}</button>${dialog}`;
}

function formLinkHtml(link: SandboxFormLink): string {
  const fields = Object.entries(link.fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return `<form class="control-link" method="post" action="${escapeHtml(link.action)}" target="_blank" data-native="1">${fields}<button type="submit" class="btn">${escapeHtml(link.label)}</button></form>`;
}

/** Channels and DMs; DMs appear as the bot opens them. */
function renderSidebar(workspace: Workspace, channelId: string, as: string): string {
  const link = (id: string, label: string) =>
    `<a class="chan${id === channelId ? ' active' : ''}" data-channel-link="${escapeHtml(id)}" href="?channel=${encodeURIComponent(id)}&amp;as=${encodeURIComponent(as)}">${label}</a>`;
  const channels = [...workspace.channels.values()];
  const sidebar = [
    '<div class="section-title">Channels</div>',
    ...channels
      .filter((c) => c.kind === 'channel')
      .map((c) => link(c.id, `# ${escapeHtml(c.name)}`)),
    '<div class="section-title">Direct messages</div>',
    ...channels
      .filter((c) => c.kind === 'dm')
      .map((c) =>
        link(c.id, `Scout ↔ ${escapeHtml(workspace.user(c.user ?? '')?.name ?? c.name)}`),
      ),
  ].join('');
  return sidebar;
}

/** The channel pane and the acting person's modal, for the page's first render and every refresh. */
export function renderPane(
  workspace: Workspace,
  channelId: string,
  as: string,
  controls: readonly SandboxControl[],
  links: readonly SandboxFormLink[] = [],
): PaneView {
  const channel = workspace.channels.get(channelId) ?? workspace.channels.get(OPS_CHANNEL);
  if (!channel) throw new Error('the sandbox has no ops channel');
  const ctx = context(workspace);
  const inChannel = workspace.messages.filter((m) => m.channel === channel.id);
  // Messages and this person's ephemeral replies, in the order they happened, as Slack shows them.
  const items = [
    ...inChannel
      .filter((m) => !m.threadTs)
      .map((m) => ({
        ts: m.ts,
        html: messageHtml(
          m,
          workspace,
          inChannel.filter((r) => r.threadTs === m.ts),
        ),
      })),
    ...workspace.ephemerals
      .filter((e) => e.channel === channel.id && e.user === as)
      .map((e) => ({ ts: e.ts, html: ephemeralHtml(e, as, ctx) })),
  ].sort((a, b) => compareTs(a.ts, b.ts));
  const messages = items.map((i) => i.html).join('');
  const title =
    channel.kind === 'dm'
      ? `Scout ↔ ${escapeHtml(ctx.userName(channel.user ?? ''))}`
      : `# ${escapeHtml(channel.name)}`;
  const peek =
    channel.kind === 'dm' && channel.user !== as
      ? `<div class="peek">Sandbox view: this is ${escapeHtml(ctx.userName(channel.user ?? ''))}'s DM with Scout. In real Slack only they see it; here you can act in it as ${escapeHtml(ctx.userName(as))} to see how Scout checks who clicks.</div>`
      : '';
  const bar =
    channel.id === OPS_CHANNEL && controls.length + links.length > 0
      ? `<div class="controls"><span>Demo controls (not part of Slack):</span>${controls.map((c) => controlHtml(c, ctx)).join('')}${links.map(formLinkHtml).join('')}<span id="control-status"></span></div>`
      : '';
  const pane = `<div class="channel-head"><h2>${title}</h2></div>${bar}${peek}<div class="messages" id="messages">${messages || '<div class="empty">No messages yet.</div>'}</div>`;
  const view = [...workspace.views.values()].find((v) => v.user === as);
  const modal = view ? renderModal(view.view, view.id, view.errors, ctx, view.typed) : '';
  const modalKey = view
    ? `${view.id}:${JSON.stringify(view.errors)}:${JSON.stringify(view.view).length}`
    : '';
  return {
    pane,
    modal,
    modalKey,
    sidebar: renderSidebar(workspace, channel.id, as),
    version: workspace.version,
  };
}

/** The whole page: picker, sidebar, the pane, the modal layer, and the script that drives them. */
export function renderPage(
  workspace: Workspace,
  channelId: string,
  as: string,
  controls: readonly SandboxControl[],
  token: string,
  links: readonly SandboxFormLink[] = [],
): string {
  const view = renderPane(workspace, channelId, as, controls, links);
  const people = workspace.users
    .map(
      (u) =>
        `<option value="${escapeHtml(u.id)}"${u.id === as ? ' selected' : ''}>${escapeHtml(u.name)} — ${escapeHtml(u.role)}</option>`,
    )
    .join('');
  const placeholder =
    channelId === OPS_CHANNEL
      ? 'Type /scout status or /deal-summary d01'
      : 'Type /deal-summary d01 or /scout status';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scout sandbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${CSS}</style></head>
<body data-token="${escapeHtml(token)}" data-channel="${escapeHtml(channelId)}" data-as="${escapeHtml(as)}" data-version="${view.version}" data-modal-key="${escapeHtml(view.modalKey)}">
<header class="top"><div class="brand">Scout sandbox <span>a local stand-in for Slack — nothing leaves this machine</span></div>
<label class="picker">Acting as <select id="as">${people}</select></label></header>
<div class="layout"><nav class="sidebar" id="sidebar">${view.sidebar}</nav>
<main class="main"><div id="pane">${view.pane}</div>
<form id="composer" class="composer"><input id="composer-text" name="text" autocomplete="off" placeholder="${escapeHtml(placeholder)}"><button class="btn primary" type="submit">Send</button></form></main></div>
<div id="modal-layer" class="${view.modal ? 'open' : ''}">${view.modal}</div>
<div id="confirm-layer"></div>
<script>${SCRIPT}</script></body></html>`;
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d1c1d;background:#fff}
.top{display:flex;justify-content:space-between;align-items:center;padding:8px 16px;background:#3f0e40;color:#fff}
.brand{font-weight:700}.brand span{font-weight:400;opacity:.75;margin-left:8px;font-size:13px}
.picker select{margin-left:6px;padding:3px 6px;border-radius:4px}
.layout{display:flex;height:calc(100vh - 46px)}
.sidebar{width:250px;background:#4a154b;color:#e8d8e8;padding:12px 0;overflow:auto;flex:none}
.section-title{padding:10px 16px 4px;font-size:13px;opacity:.8}
.chan{display:block;padding:4px 16px;color:#e8d8e8;text-decoration:none}.chan.active{background:#1164a3;color:#fff}
.main{flex:1;display:flex;flex-direction:column;min-width:0}#pane{flex:1;overflow:auto}
.channel-head{border-bottom:1px solid #ddd;padding:8px 20px}.channel-head h2{margin:0;font-size:18px}
.controls{display:flex;gap:8px;align-items:center;padding:8px 20px;background:#fff8e1;border-bottom:1px solid #f0e0a0;font-size:13px}
.control-link{display:inline;margin:0}
.peek{padding:6px 20px;background:#eef6ff;color:#245;font-size:13px;border-bottom:1px solid #cde}
.messages{padding:8px 0}.empty{padding:20px;color:#888}
.msg{display:flex;gap:10px;padding:6px 20px}.msg:hover{background:#f8f8f8}
.avatar{width:36px;height:36px;border-radius:6px;background:#d8c3e6;color:#3f0e40;font-weight:900;display:flex;align-items:center;justify-content:center;flex:none}.avatar.bot{background:#2eb67d;color:#fff}
.content{flex:1;min-width:0}.author{font-weight:700}.app{font-size:10px;background:#ddd;border-radius:3px;padding:1px 3px;color:#555}
.time,.edited,.only{color:#777;font-size:12px}
.thread{border-left:3px solid #ddd;margin:6px 0 0;padding-left:6px}.thread-count{color:#1264a3;font-size:13px;font-weight:700;padding:2px 0}
.thread .msg{padding:6px 8px}
.ephemeral{background:#f4f8fb}.typed code{background:#f0f0f0}
.blk{margin:4px 0}.header{font-size:18px;font-weight:900}.section{display:flex;gap:12px}.section .body{flex:1}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:6px 16px;margin-top:4px}
.context{color:#616061;font-size:13px}.divider{border:0;border-top:1px solid #ddd}
.actions{display:flex;gap:8px;flex-wrap:wrap}.el-select{padding:4px 8px;border:1px solid #bbb;border-radius:4px;font-size:14px}
blockquote{margin:4px 0;padding-left:10px;border-left:4px solid #ddd;color:#333}
pre{background:#f8f8f8;border:1px solid #e2e2e2;border-radius:4px;padding:8px;white-space:pre-wrap;font-size:13px}
code{background:#f3f3f3;border:1px solid #e2e2e2;border-radius:3px;padding:0 3px;font-size:13px;color:#c01343}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.btn{border:1px solid #bbb;background:#fff;border-radius:4px;padding:4px 12px;font-weight:700;cursor:pointer;font-size:14px}
.btn.primary{background:#007a5a;border-color:#007a5a;color:#fff}.btn.danger{background:#fff;border-color:#e01e5a;color:#e01e5a}
.btn:disabled{opacity:.5;cursor:default}
.composer{display:flex;gap:8px;padding:10px 20px;border-top:1px solid #ddd}.composer input{flex:1;padding:8px;border:1px solid #bbb;border-radius:6px;font-size:15px}
#modal-layer,#confirm-layer{display:none;position:fixed;inset:0;background:rgba(0,0,0,.45);align-items:center;justify-content:center}#modal-layer.open,#confirm-layer.open{display:flex}#confirm-layer{z-index:10}
.modal.confirm{width:440px}.btn.danger-solid{background:#e01e5a;border-color:#e01e5a;color:#fff}
.modal{background:#fff;border-radius:8px;width:520px;max-width:95vw;box-shadow:0 10px 40px rgba(0,0,0,.3)}
.modal-title{font-size:20px;font-weight:900;padding:16px 20px;border-bottom:1px solid #ddd}.modal-body{padding:12px 20px}
.modal-foot{display:flex;justify-content:flex-end;gap:8px;padding:12px 20px;border-top:1px solid #ddd}
.input{display:block}.input .label{display:block;font-weight:700;margin-bottom:4px}
.input input,.input textarea,.input select{width:100%;padding:8px;border:1px solid #bbb;border-radius:4px;font-size:15px}
.input-error{color:#e01e5a;font-size:13px;margin-top:4px}.hint{color:#777;font-size:13px}
.unsupported{color:#a00}
`;

/** The page's only script: polls for changes and turns clicks, submits and typed commands into sandbox calls. */
const SCRIPT = `
(() => {
  const body = document.body;
  const state = { channel: body.dataset.channel, as: body.dataset.as, version: Number(body.dataset.version), modalKey: body.dataset.modalKey || '', controlStatus: '', scrollEnd: false };
  const post = async (path, data) => {
    const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', '${TOKEN_HEADER}': body.dataset.token }, body: JSON.stringify(data) });
    const text = await res.text();
    if (!res.ok) throw new Error(text || res.statusText);
    return text ? JSON.parse(text) : {};
  };
  /** The pane is redrawn on every change, so the last control status is kept here and re-shown. */
  const showStatus = (text) => {
    state.controlStatus = text;
    const el = document.getElementById('control-status');
    if (el) el.textContent = text;
  };
  let busy = false;
  let again = false;
  const refresh = async (force) => {
    if (busy) {
      // A forced refresh (new channel, new person, after a click) must not be lost to a poll in flight.
      again = again || force;
      return;
    }
    busy = true;
    try {
      const q = new URLSearchParams({ channel: state.channel, as: state.as });
      const v = await (await fetch('/sandbox/api/version')).json();
      if (!force && v.version === state.version) return;
      const f = await (await fetch('/sandbox/fragment?' + q)).json();
      const pane = document.getElementById('pane');
      const keep = pane.scrollTop;
      // Like Slack: a reader at the bottom (or who just typed) follows new messages; one reading older ones stays put.
      const follow = state.scrollEnd || pane.scrollHeight - pane.clientHeight - keep < 40;
      pane.innerHTML = f.pane;
      pane.scrollTop = follow ? pane.scrollHeight : keep;
      state.scrollEnd = false;
      if (state.controlStatus) showStatus(state.controlStatus);
      if (f.modalKey !== state.modalKey) {
        const layer = document.getElementById('modal-layer');
        layer.innerHTML = f.modal;
        layer.className = f.modal ? 'open' : '';
        state.modalKey = f.modalKey;
      }
      state.version = f.version;
      body.dataset.version = String(f.version);
      body.dataset.modalKey = f.modalKey;
      if (f.sidebar) document.getElementById('sidebar').innerHTML = f.sidebar;
    } catch (e) { console.warn('refresh failed', e); } finally {
      busy = false;
      if (again) { again = false; await refresh(true); }
    }
  };
  setInterval(() => refresh(false), 400);
  /** The confirmation dialog that waits after a button (its Block Kit confirm), or none. */
  let confirmed = null;
  const askFirst = (el, act) => {
    const dialog = el.nextElementSibling;
    if (!el.dataset.confirm || !dialog || dialog.tagName !== 'TEMPLATE') return act();
    const layer = document.getElementById('confirm-layer');
    layer.replaceChildren(dialog.content.cloneNode(true));
    layer.className = 'open';
    confirmed = act;
  };
  document.getElementById('as').addEventListener('change', (e) => {
    state.as = e.target.value;
    history.replaceState(null, '', '?channel=' + encodeURIComponent(state.channel) + '&as=' + encodeURIComponent(state.as));
    refresh(true);
  });
  document.addEventListener('click', async (e) => {
    const answer = e.target.closest('[data-confirm-answer]');
    if (answer) {
      const act = confirmed;
      confirmed = null;
      const layer = document.getElementById('confirm-layer');
      layer.className = '';
      layer.replaceChildren();
      // Only a confirmation sends the action; Cancel (deny) sends nothing, as in Slack.
      if (answer.dataset.confirmAnswer === 'confirm' && act) await act();
      return;
    }
    const link = e.target.closest('[data-channel-link]');
    if (link) {
      e.preventDefault();
      state.channel = link.dataset.channelLink;
      state.scrollEnd = true;
      history.replaceState(null, '', '?channel=' + encodeURIComponent(state.channel) + '&as=' + encodeURIComponent(state.as));
      document.querySelectorAll('.chan').forEach((c) => c.classList.toggle('active', c === link));
      document.getElementById('composer-text').placeholder = 'Type /deal-summary d01 or /scout status';
      return refresh(true);
    }
    const btn = e.target.closest('[data-click]');
    if (btn) {
      // Read now: a refresh may redraw the button while its dialog is open.
      const click = { user: state.as, channel: btn.dataset.channel, ts: btn.dataset.ts, actionId: btn.dataset.actionId, value: btn.dataset.value };
      return askFirst(btn, async () => {
        btn.disabled = true;
        try { await post('/sandbox/api/click', click); } catch (err) { alert(err.message); }
        return refresh(true);
      });
    }
    const close = e.target.closest('[data-close-view]');
    if (close) {
      await post('/sandbox/api/view-close', { user: state.as, viewId: close.dataset.closeView });
      return refresh(true);
    }
    const control = e.target.closest('[data-control]');
    if (control) {
      const id = control.dataset.control;
      return askFirst(control, async () => {
        control.disabled = true;
        showStatus('running…');
        try {
          const r = await post('/sandbox/api/control', { id });
          showStatus(r.message || 'done');
        } catch (err) { showStatus(err.message); }
        await refresh(true);
        showStatus(state.controlStatus);
      });
    }
  });
  document.addEventListener('change', async (e) => {
    const menu = e.target.closest('[data-select]');
    if (!menu || !menu.value) return;
    menu.disabled = true;
    try {
      await post('/sandbox/api/click', { user: state.as, channel: menu.dataset.channel, ts: menu.dataset.ts, actionId: menu.dataset.actionId, selected: menu.value });
    } catch (err) { alert(err.message); }
    state.scrollEnd = true;
    return refresh(true);
  });
  document.addEventListener('submit', async (e) => {
    const form = e.target;
    // A link of the host app (the dashboard) opens as an ordinary form post, in a new tab.
    if (form.dataset.native) return;
    e.preventDefault();
    if (form.id === 'composer') {
      const input = document.getElementById('composer-text');
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      state.scrollEnd = true;
      try { await post('/sandbox/api/message', { user: state.as, channel: state.channel, text }); } catch (err) { alert(err.message); }
      return refresh(true);
    }
    if (form.dataset.viewId) {
      const values = {};
      form.querySelectorAll('[data-block]').forEach((el) => {
        (values[el.dataset.block] = values[el.dataset.block] || {})[el.dataset.action] = el.value;
      });
      try { await post('/sandbox/api/view-submit', { user: state.as, viewId: form.dataset.viewId, values }); } catch (err) { alert(err.message); }
      state.modalKey = '?';
      return refresh(true);
    }
  });
})();
`;
