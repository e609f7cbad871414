/**
 * Block Kit JSON → HTML, for the sandbox page: every block and element Scout posts
 * (header, section with text, fields and accessory, context, divider, actions, image,
 * rich text with quotes and lists, and modal inputs). Every piece of text is
 * HTML-escaped here; mrkdwn is interpreted the way Slack does (entities, *bold*,
 * _italic_, ~strike~, `code`, ```pre```, > quotes, :emoji:).
 */

export interface RenderContext {
  /** Slack user id → display name, for `<@U…>` mentions and user pickers. */
  readonly userName: (id: string) => string;
  readonly users: ReadonlyArray<{ id: string; name: string }>;
  /** Where a click on a button goes (absent: buttons render disabled, as in a modal preview). */
  readonly message?: { channel: string; ts: string };
}

type Obj = Record<string, unknown>;

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const EMOJI: Record<string, string> = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  construction: '🚧',
  warning: '⚠️',
  rotating_light: '🚨',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  double_vertical_bar: '⏸️',
  arrow_forward: '▶️',
  memo: '📝',
  bar_chart: '📊',
  chart_with_upwards_trend: '📈',
  calendar: '📅',
  date: '📅',
  moneybag: '💰',
  bust_in_silhouette: '👤',
  busts_in_silhouette: '👥',
  link: '🔗',
  mag: '🔎',
  email: '📧',
  telephone_receiver: '📞',
  handshake: '🤝',
  robot_face: '🤖',
  information_source: 'ℹ️',
  no_entry: '⛔',
  lock: '🔒',
  tada: '🎉',
  eyes: '👀',
  point_right: '👉',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  red_circle: '🔴',
  white_circle: '⚪',
  clipboard: '📋',
  speech_balloon: '💬',
  arrows_counterclockwise: '🔄',
  leftwards_arrow_with_hook: '↩️',
  wastebasket: '🗑️',
};

function emoji(name: string): string {
  return EMOJI[name] ?? `:${name}:`;
}

function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** One line of mrkdwn (no block structure) → HTML. */
function inlineMrkdwn(text: string, ctx: RenderContext): string {
  const tokens: string[] = [];
  const hold = (html: string) => {
    tokens.push(html);
    return `\uE000${tokens.length - 1}\uE000`;
  };
  const parts = text.split(/(<[^<>\n]+>)/g);
  let out = '';
  for (const part of parts) {
    if (part.startsWith('<') && part.endsWith('>')) {
      out += hold(entity(part.slice(1, -1), ctx));
    } else {
      out += escapeHtml(unescapeSlack(part)).replace(/`([^`\n]+)`/g, (_, code: string) =>
        hold(`<code>${code}</code>`),
      );
    }
  }
  out = out
    .replace(/(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/g, '$1<b>$2</b>')
    .replace(/(^|[^\w])_(?!\s)([^_\n]+?)_(?!\w)/g, '$1<i>$2</i>')
    .replace(/(^|[^\w~])~(?!\s)([^~\n]+?)~(?!\w)/g, '$1<s>$2</s>')
    .replace(/:([a-z0-9_+-]+):/g, (_, name: string) => emoji(name));
  return out.replace(/\uE000(\d+)\uE000/g, (_, i: string) => tokens[Number(i)] ?? '');
}

function entity(inner: string, ctx: RenderContext): string {
  const [target = '', label] = inner.split('|', 2);
  if (target.startsWith('@'))
    return `<span class="mention">@${escapeHtml(ctx.userName(target.slice(1)))}</span>`;
  if (target.startsWith('#'))
    return `<span class="mention">#${escapeHtml(unescapeSlack(label ?? target.slice(1)))}</span>`;
  if (target.startsWith('!'))
    return `<span class="mention">@${escapeHtml(target.slice(1).split('^')[0] ?? '')}</span>`;
  const url = unescapeSlack(target);
  const shown = escapeHtml(unescapeSlack(label ?? target));
  return /^(https?:|mailto:)/i.test(url)
    ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${shown}</a>`
    : shown;
}

/** mrkdwn with block structure: ``` fences and > quote lines. */
export function mrkdwn(text: string, ctx: RenderContext): string {
  const out: string[] = [];
  const chunks = text.split('```');
  chunks.forEach((chunk, i) => {
    if (i % 2 === 1) {
      out.push(`<pre>${escapeHtml(unescapeSlack(chunk.replace(/^\n/, '')))}</pre>`);
      return;
    }
    let quote: string[] = [];
    const lines: string[] = [];
    const flush = () => {
      if (quote.length > 0) lines.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
      quote = [];
    };
    for (const line of chunk.split('\n')) {
      const m = /^(?:>|&gt;) ?(.*)$/.exec(line);
      if (m) quote.push(inlineMrkdwn(m[1] ?? '', ctx));
      else {
        flush();
        lines.push(inlineMrkdwn(line, ctx));
      }
    }
    flush();
    out.push(
      lines
        .join('<br>')
        .replace(/<br><blockquote>/g, '<blockquote>')
        .replace(/<\/blockquote><br>/g, '</blockquote>'),
    );
  });
  return out.join('');
}

function textObject(t: unknown, ctx: RenderContext): string {
  if (!t || typeof t !== 'object') return '';
  const o = t as Obj;
  const s = String(o.text ?? '');
  return o.type === 'mrkdwn'
    ? mrkdwn(s, ctx)
    : escapeHtml(s).replace(/:([a-z0-9_+-]+):/g, (_, n: string) =>
        o.emoji === false ? `:${n}:` : emoji(n),
      );
}

function plainText(t: unknown): string {
  return t && typeof t === 'object' ? escapeHtml(String((t as Obj).text ?? '')) : '';
}

function button(e: Obj, ctx: RenderContext): string {
  const style = e.style === 'primary' || e.style === 'danger' ? ` ${e.style}` : '';
  const attrs = ctx.message
    ? ` data-click="1" data-channel="${escapeHtml(ctx.message.channel)}" data-ts="${escapeHtml(ctx.message.ts)}" data-action-id="${escapeHtml(String(e.action_id ?? ''))}"${e.value !== undefined ? ` data-value="${escapeHtml(String(e.value))}"` : ''}`
    : ' disabled';
  const dialog = e.confirm && ctx.message ? confirmDialog(e.confirm as Obj, ctx) : '';
  return `<button type="button" class="btn${style}"${attrs}${dialog ? ' data-confirm="1"' : ''}>${plainText(e.text)}</button>${dialog}`;
}

/**
 * A Block Kit confirmation dialog (a button's `confirm`), drawn as Slack draws it: title,
 * text, the deny and confirm buttons. It waits in a template right after its button; the
 * page shows it on the click and sends the action only when confirmed.
 */
export function confirmDialog(confirm: Obj, ctx: RenderContext): string {
  const style = confirm.style === 'danger' ? ' danger-solid' : ' primary';
  return `<template class="confirm-dialog"><div class="modal confirm" role="alertdialog"><div class="modal-title">${plainText(confirm.title)}</div><div class="modal-body">${textObject(confirm.text, ctx)}</div><div class="modal-foot"><button type="button" class="btn" data-confirm-answer="deny">${plainText(confirm.deny) || 'Cancel'}</button><button type="button" class="btn${style}" data-confirm-answer="confirm">${plainText(confirm.confirm) || 'Yes'}</button></div></div></template>`;
}

/** A select menu in a message: choosing an option is the interaction (no submit button). */
function selectMenu(e: Obj, ctx: RenderContext): string {
  const attrs = ctx.message
    ? ` data-select="1" data-channel="${escapeHtml(ctx.message.channel)}" data-ts="${escapeHtml(ctx.message.ts)}" data-action-id="${escapeHtml(String(e.action_id ?? ''))}"`
    : ' disabled';
  const options = ((e.options ?? []) as Obj[])
    .map((o) => `<option value="${escapeHtml(String(o.value))}">${plainText(o.text)}</option>`)
    .join('');
  return `<select class="el-select"${attrs}><option value="" selected disabled>${plainText(e.placeholder) || 'Select an item'}</option>${options}</select>`;
}

function element(e: Obj, ctx: RenderContext): string {
  switch (e.type) {
    case 'button':
      return button(e, ctx);
    case 'static_select':
      return selectMenu(e, ctx);
    case 'image':
      return `<img class="el-image" src="${escapeHtml(String(e.image_url ?? ''))}" alt="${escapeHtml(String(e.alt_text ?? ''))}">`;
    case 'mrkdwn':
    case 'plain_text':
      return `<span>${textObject(e, ctx)}</span>`;
    default:
      return `<span class="unsupported">[${escapeHtml(String(e.type))}]</span>`;
  }
}

function richElements(elements: unknown, ctx: RenderContext): string {
  return ((elements ?? []) as Obj[])
    .map((e) => {
      const style = (e.style ?? {}) as Obj;
      let html: string;
      switch (e.type) {
        case 'text':
          html = escapeHtml(String(e.text ?? '')).replace(/\n/g, '<br>');
          break;
        case 'link':
          html = /^(https?:|mailto:)/i.test(String(e.url ?? ''))
            ? `<a href="${escapeHtml(String(e.url))}" target="_blank" rel="noopener noreferrer">${escapeHtml(String(e.text ?? e.url))}</a>`
            : escapeHtml(String(e.text ?? e.url ?? ''));
          break;
        case 'user':
          html = `<span class="mention">@${escapeHtml(ctx.userName(String(e.user_id)))}</span>`;
          break;
        case 'channel':
          html = `<span class="mention">#${escapeHtml(String(e.channel_id))}</span>`;
          break;
        case 'emoji':
          html = emoji(String(e.name ?? ''));
          break;
        case 'date':
          html = escapeHtml(String(e.fallback ?? e.timestamp ?? ''));
          break;
        default:
          html = '';
      }
      if (style.code) html = `<code>${html}</code>`;
      if (style.bold) html = `<b>${html}</b>`;
      if (style.italic) html = `<i>${html}</i>`;
      if (style.strike) html = `<s>${html}</s>`;
      return html;
    })
    .join('');
}

function richBlock(part: Obj, ctx: RenderContext): string {
  switch (part.type) {
    case 'rich_text_section':
      return `<div>${richElements(part.elements, ctx)}</div>`;
    case 'rich_text_quote':
      return `<blockquote>${richElements(part.elements, ctx)}</blockquote>`;
    case 'rich_text_preformatted':
      return `<pre>${richElements(part.elements, ctx)}</pre>`;
    case 'rich_text_list': {
      const tag = part.style === 'ordered' ? 'ol' : 'ul';
      const items = ((part.elements ?? []) as Obj[])
        .map((s) => `<li>${richElements(s.elements, ctx)}</li>`)
        .join('');
      return `<${tag}>${items}</${tag}>`;
    }
    default:
      return '';
  }
}

/** One message's (or modal's) blocks. */
export function renderBlocks(blocks: readonly unknown[], ctx: RenderContext): string {
  return (blocks as Obj[])
    .map((b) => {
      const id = b.block_id ? ` data-block-id="${escapeHtml(String(b.block_id))}"` : '';
      switch (b.type) {
        case 'header':
          return `<div class="blk header"${id}>${plainText(b.text)}</div>`;
        case 'divider':
          return `<hr class="blk divider"${id}>`;
        case 'section': {
          const text = b.text ? `<div class="text">${textObject(b.text, ctx)}</div>` : '';
          const fields = Array.isArray(b.fields)
            ? `<div class="fields">${(b.fields as unknown[]).map((f) => `<div class="field">${textObject(f, ctx)}</div>`).join('')}</div>`
            : '';
          const accessory = b.accessory
            ? `<div class="accessory">${element(b.accessory as Obj, ctx)}</div>`
            : '';
          return `<div class="blk section"${id}><div class="body">${text}${fields}</div>${accessory}</div>`;
        }
        case 'context':
          return `<div class="blk context"${id}>${((b.elements ?? []) as Obj[]).map((e) => element(e, ctx)).join(' ')}</div>`;
        case 'actions':
          return `<div class="blk actions"${id}>${((b.elements ?? []) as Obj[]).map((e) => element(e, ctx)).join('')}</div>`;
        case 'image':
          return `<div class="blk image"${id}>${element(b, ctx)}</div>`;
        case 'rich_text':
          return `<div class="blk rich"${id}>${((b.elements ?? []) as Obj[]).map((p) => richBlock(p, ctx)).join('')}</div>`;
        case 'input':
          return inputBlock(b, ctx, {});
        default:
          return `<div class="blk unsupported"${id}>[unsupported block ${escapeHtml(String(b.type))}]</div>`;
      }
    })
    .join('');
}

/**
 * An input block of a modal: label, the element for its type, the bot's error for it.
 * `typed` is what the person last submitted: after a refusal Slack keeps it in the form.
 */
export function inputBlock(
  b: Obj,
  ctx: RenderContext,
  errors: Record<string, string>,
  typed: Record<string, Record<string, string>> = {},
): string {
  const blockId = String(b.block_id ?? '');
  const kept = typed[blockId]?.[String((b.element as Obj | undefined)?.action_id ?? '')];
  const e = kept === undefined ? ((b.element ?? {}) as Obj) : withTyped(b.element as Obj, kept);
  const actionId = String(e.action_id ?? '');
  const name = `data-block="${escapeHtml(blockId)}" data-action="${escapeHtml(actionId)}" name="${escapeHtml(`${blockId}.${actionId}`)}"`;
  let control: string;
  switch (e.type) {
    case 'plain_text_input': {
      const max = typeof e.max_length === 'number' ? ` maxlength="${e.max_length}"` : '';
      const value = escapeHtml(String(e.initial_value ?? ''));
      control = e.multiline
        ? `<textarea ${name}${max} rows="4">${value}</textarea>`
        : `<input type="text" ${name}${max} value="${value}">`;
      break;
    }
    case 'number_input':
      control = `<input type="number" ${name}${e.is_decimal_allowed ? ' step="any"' : ' step="1"'} value="${escapeHtml(String(e.initial_value ?? ''))}">`;
      break;
    case 'datepicker':
      control = `<input type="date" ${name} value="${escapeHtml(String(e.initial_date ?? ''))}">`;
      break;
    case 'static_select': {
      const initial = (e.initial_option as Obj | undefined)?.value;
      const options = ((e.options ?? []) as Obj[])
        .map(
          (o) =>
            `<option value="${escapeHtml(String(o.value))}"${o.value === initial ? ' selected' : ''}>${plainText(o.text)}</option>`,
        )
        .join('');
      control = `<select ${name}><option value="">Select an option</option>${options}</select>`;
      break;
    }
    case 'users_select': {
      const options = ctx.users
        .map(
          (u) =>
            `<option value="${escapeHtml(u.id)}"${u.id === e.initial_user ? ' selected' : ''}>${escapeHtml(u.name)}</option>`,
        )
        .join('');
      control = `<select ${name}><option value="">Select a person</option>${options}</select>`;
      break;
    }
    default:
      control = `<span class="unsupported">[unsupported input ${escapeHtml(String(e.type))}]</span>`;
  }
  const error = errors[blockId]
    ? `<div class="input-error" role="alert">${escapeHtml(errors[blockId] ?? '')}</div>`
    : '';
  const hint = b.hint ? `<div class="hint">${plainText(b.hint)}</div>` : '';
  return `<label class="blk input" data-block-id="${escapeHtml(blockId)}"><span class="label">${plainText(b.label)}${b.optional ? ' <em>(optional)</em>' : ''}</span>${control}${hint}${error}</label>`;
}

/** An input element as if its initial value were what the person typed. */
function withTyped(e: Obj, typed: string): Obj {
  switch (e.type) {
    case 'datepicker':
      return { ...e, initial_date: typed };
    case 'static_select':
      return {
        ...e,
        initial_option: ((e.options ?? []) as Obj[]).find((o) => o.value === typed),
      };
    case 'users_select':
      return { ...e, initial_user: typed };
    default:
      return { ...e, initial_value: typed };
  }
}

/** A modal as Slack draws it: title, blocks (inputs live), Cancel and the submit button. */
export function renderModal(
  view: Obj,
  viewId: string,
  errors: Record<string, string>,
  ctx: RenderContext,
  typed: Record<string, Record<string, string>> = {},
): string {
  const body = ((view.blocks ?? []) as Obj[])
    .map((b) => (b.type === 'input' ? inputBlock(b, ctx, errors, typed) : renderBlocks([b], ctx)))
    .join('');
  const submit = view.submit
    ? `<button type="submit" class="btn primary">${plainText(view.submit)}</button>`
    : '';
  return `<form class="modal" data-view-id="${escapeHtml(viewId)}"><div class="modal-title">${plainText(view.title)}</div><div class="modal-body">${body}</div><div class="modal-foot"><button type="button" class="btn" data-close-view="${escapeHtml(viewId)}">${view.close ? plainText(view.close) : 'Cancel'}</button>${submit}</div></form>`;
}
