/**
 * Slack's Block Kit limits (from @slack/types and docs.slack.dev, as listed in
 * test/fixtures/vendor/specs/README.md). There is no official schema, so this checker is ours.
 */
type Json = Record<string, unknown>;

const len = (v: unknown) => (typeof v === 'string' ? v.length : 0);

export function checkBlocks(blocks: unknown, where: 'message' | 'modal'): string[] {
  const problems: string[] = [];
  if (!Array.isArray(blocks)) return [`${where}: blocks is not an array`];
  const max = where === 'message' ? 50 : 100;
  if (blocks.length > max) problems.push(`${where}: ${blocks.length} blocks (max ${max})`);
  blocks.forEach((b, i) => {
    problems.push(...checkBlock(b as Json).map((p) => `block ${i}: ${p}`));
  });
  return problems;
}

export function checkView(view: Json): string[] {
  const problems = checkBlocks(view.blocks, 'modal');
  for (const k of ['title', 'submit', 'close']) {
    const t = view[k] as Json | undefined;
    if (t && len(t.text) > 24) problems.push(`modal ${k} is ${len(t.text)} chars (max 24)`);
  }
  if (len(view.private_metadata) > 3000) problems.push('private_metadata over 3000 chars');
  if (JSON.stringify(view).length > 250_000) problems.push('view over 250 kB');
  return problems;
}

function checkBlock(b: Json): string[] {
  const p: string[] = [];
  if (len(b.block_id) > 255) p.push('block_id over 255');
  const text = b.text as Json | undefined;
  switch (b.type) {
    case 'section': {
      if (text && (len(text.text) < 1 || len(text.text) > 3000))
        p.push(`section text ${len(text.text)} chars (1–3000)`);
      const fields = (b.fields as Json[] | undefined) ?? [];
      if (fields.length > 10) p.push(`${fields.length} fields (max 10)`);
      for (const f of fields)
        if (len(f.text) > 2000) p.push(`field ${len(f.text)} chars (max 2000)`);
      if (!text && fields.length === 0) p.push('section needs text or fields');
      break;
    }
    case 'header':
      if (len(text?.text) > 150) p.push(`header ${len(text?.text)} chars (max 150)`);
      break;
    case 'context':
      if (((b.elements as unknown[]) ?? []).length > 10) p.push('context over 10 elements');
      break;
    case 'actions': {
      const elements = (b.elements as Json[]) ?? [];
      if (elements.length > 25) p.push(`${elements.length} elements (max 25)`);
      for (const e of elements) p.push(...checkElement(e));
      break;
    }
    case 'input':
      p.push(...checkElement(b.element as Json));
      break;
    case 'divider':
    case 'rich_text':
      break;
    default:
      p.push(`unknown block type ${String(b.type)}`);
  }
  return p;
}

function checkElement(e: Json): string[] {
  const p: string[] = [];
  if (len(e.action_id) > 255) p.push('action_id over 255');
  if (e.type === 'button') {
    if (len((e.text as Json)?.text) > 75) p.push('button text over 75');
    if (len(e.value) > 2000) p.push('button value over 2000');
  }
  const options = (e.options as Json[] | undefined) ?? [];
  if (options.length > 100) p.push(`${options.length} options (max 100)`);
  for (const o of options) {
    if (len((o.text as Json)?.text) > 75) p.push('option text over 75');
    if (len(o.value) > 150) p.push('option value over 150');
  }
  return p;
}
