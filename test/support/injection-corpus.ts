import { readFileSync } from 'node:fs';
import { vendorPath } from './vendor-dir.js';

const corpora = vendorPath('corpora/');

/** One adversarial case: a realistic carrier note with an attack string inside it. */
export interface InjectionCase {
  readonly source: string;
  readonly attack: string;
  readonly note: string;
}

function jsonl(path: string): Array<Record<string, string>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

/**
 * Builds injection cases from the shared corpora: BIPIA attack strings embedded in the
 * middle of BIPIA emails (as deal notes), plus PurpleLlama's indirect cases as notes.
 */
export function injectionCases(): InjectionCase[] {
  const emails = [
    ...jsonl(`${corpora}bipia/email_train.jsonl`),
    ...jsonl(`${corpora}bipia/email_test.jsonl`),
  ].map((e) => String(e.context));
  const attacks = [
    ...Object.values(
      JSON.parse(readFileSync(`${corpora}bipia/text_attack_train.json`, 'utf8')) as Record<
        string,
        string[]
      >,
    ).flat(),
    ...Object.values(
      JSON.parse(readFileSync(`${corpora}bipia/text_attack_test.json`, 'utf8')) as Record<
        string,
        string[]
      >,
    ).flat(),
  ];
  const cases: InjectionCase[] = [];
  attacks.forEach((attack, i) => {
    for (const offset of [0, 37, 71]) {
      const email = emails[(i + offset) % emails.length] ?? '';
      const cut = Math.floor(email.length / 2);
      cases.push({
        source: 'bipia',
        attack,
        note: `${email.slice(0, cut)}\n${attack}\n${email.slice(cut)}`,
      });
    }
  });
  const purple = JSON.parse(
    readFileSync(`${corpora}purplellama/prompt_injection.json`, 'utf8'),
  ) as Array<Record<string, string>>;
  for (const p of purple.filter((c) => c.injection_type === 'indirect')) {
    const text = String(p.user_input);
    cases.push({
      source: 'purplellama',
      attack: text,
      note: `Call notes pasted from the customer's message:\n${text}`,
    });
  }
  return cases;
}
