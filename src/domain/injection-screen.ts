/**
 * The injection screen (docs/guarantees.md#g5, issue 15): does a quote, or the sentence it sits in,
 * read as an instruction addressed to an AI, a system or a tool rather than as something
 * said about the deal? Citations stop invented values, not an attacker who writes the
 * value into a note himself; this screen keeps such a value from being written without
 * a person. Deterministic and pure: a list of rules, each a few regular expressions that
 * a test can exercise exhaustively. A flag never blocks a finding, it only routes it to
 * a person, so the rules lean towards flagging where deal talk rarely goes.
 */
import { normalizeForCitation } from './citation.js';

export type ScreenRule =
  | 'override'
  | 'addresses_ai'
  | 'role_framing'
  | 'response_shaping'
  | 'assistant_task'
  | 'obfuscation'
  | 'markup_or_code'
  | 'crm_directive'
  | 'payment_details'
  | 'phishing'
  | 'mention';

export type ScreenVerdict =
  | { readonly flagged: false }
  | { readonly flagged: true; readonly rule: ScreenRule; readonly reason: string };

/** What an approval card says about a flagged finding, in plain words. */
export const SCREEN_WARNING =
  'This text reads like an instruction to an AI, not a fact about the deal.';

/** The prefix of every logged reason the screen gives, so a proposal's flag is recognisable. */
export const SCREEN_REASON_PREFIX = 'injection screen';

interface Rule {
  readonly id: ScreenRule;
  /** Says what was seen, never echoes the note text. */
  readonly reason: string;
  readonly test: (sentence: string) => boolean;
}

const any =
  (...patterns: RegExp[]) =>
  (s: string) =>
    patterns.some((p) => p.test(s));

const LANGUAGES =
  'english|french|spanish|german|italian|portuguese|russian|japanese|chinese|mandarin|arabic|korean|hindi|dutch|polish|turkish|latin';

/** Instruction-override phrases, in English and the languages the public corpora use. */
const override = any(
  /\b(ignore|disregard|forget|override|bypass|skip|drop|abandon)\b[^.!?\n]{0,40}\b(instructions?|prompts?|directives?|guidelines|guardrails|system message|rules you)\b/i,
  /\b(ignore|disregard|forget)\b[^.!?\n]{0,50}(,|\band)\s*(we (might|could|would) |then |just )?(state|say|print|output|answer|respond|reply|claim|declare|write)\b/i,
  /\b(ignorez|ignorer|oubliez|oublie|ignora|ignore|olvida|olvide|ignorieren|ignoriere|vergiss|vergessen)\b[^.!?\n]{0,40}\b(instructions?|instrucciones|anweisungen|istruzioni|instruções|la fonction|la página|die vorherigen)\b/i,
  /(無視|忽略|忘记|忘れ|تجاهل|игнорир|забудь)/u,
  /\b(previous|prior|above|earlier|original|preceding)\s+(instructions|prompt|directives)\b/i,
);

/** Text that speaks to the model that reads it. */
const addressesAi = any(
  /\b(AI|artificial intelligence)\s+(assistant|agent|model|system|bot)s?\b/i,
  /\b(you are|you're|act as|behave as|pretend to be|pretend you are)\s+(now\s+)?(an?\s+|the\s+|my\s+)?([\w-]+\s+)?(AI|assistant|language model|chat ?bot|bot|agent|LLM|GPT)\b/i,
  /\bas an?\s+(AI|language model|LLM|assistant)\b/i,
  /\b(dear|hey|hi|hello|attention|note to|message to|instructions? (for|to))\s+(the\s+)?(AI|assistant|model|LLM|chat ?bot|bot|agent|Claude|ChatGPT|GPT)\b/i,
  /\b(any|all|the|this)\s+(AI|LLM|automated|language)\s*(model|system|agent|assistant|tool)?s?\s+(reading|processing|parsing|summari[sz]ing|extracting|analy[sz]ing)\b/i,
  /\b(LLMs?|large language models?|ChatGPT|GPT-?\d)\b/i,
);

/** System notices, role prefixes, special modes and hypotheticals that reframe the reader. */
const roleFraming = any(
  /<\s*\/?\s*\\?\s*(system|sys|assistant|user|instructions?|im_start|im_end)\b/i,
  /\[\s*\/?\s*(system|inst|assistant|admin)\s*\]/i,
  /(^|[\n.!?]\s*)(system|assistant|user|human|ai|bot|developer)\s*:/i,
  /\bsystem\s*(mode|prompt|message|notice|override|instructions?)\b/i,
  /\b(developer|admin|god|debug|override|maintenance|jailbreak|DAN|unrestricted|security override)\s+mode\b/i,
  /\b(training data|developer|security|admin)\s+override\b/i,
  /\byou\s+(must|shall|will)\s+(now\s+)?(listen|obey|comply|follow|do as)\b/i,
  /\b(i am|i'm)\s+(your|the)\s+(developer|creator|admin|administrator|owner|programmer|operator|master|god)\b/i,
  /\b(i am|i'm)\s+(god|not john)\b/i,
  /\byou('ve| have)\s+been\s+(instructed|told|asked|programmed)\b/i,
  /\b(new|updated|real|actual|secret|hidden|additional)\s+instructions\s*:/i,
  /\b(hypothetical (scenario|situation|world)|parallel (universe|world)|dystopian|in a world where|imagine a scenario|let'?s (imagine|pretend|suppose|state|admit)|suppose we (were|ignore)|for the purpose of this exercise|role-?play)\b/i,
  /\bi suggest you\s+(to\s+)?(consider|treat|state|say|answer|output|respond|reply)\b/i,
  /\b(it'?s|it is) common practice to (say|state|answer|respond)\b/i,
);

/** Asks for the reader's own answer to be shaped: the reader is a model writing a reply. */
const responseShaping = any(
  /\b(in|into|within|throughout)\s+your\s+(answer|response|reply|output|message)s?\b/i,
  /\b(add|append|attach|insert|prepend|include)\b[^\n]{0,120}\bto\s+(the\s+end\s+of\s+)?your\s+(answer|response|reply|output|message)s?\b/i,
  /\b(replace|substitute|swap|convert|shift)\s+(all\s+|the\s+|every\s+(\w+\s+)?)?(letters?|vowels?|consonants?|characters?|keywords?)\b/i,
  /\b(encode|encrypt|translate|render|express|represent|replace|substitute|convert|reverse|scramble|misspell|anagram|jumble|group|remove|combine|shift|invert|rearrange|modify|augment|enhance|format|begin|start|end|provide|use|write)\b[^.!?\n]{0,40}\byour\s+(answer|response|reply|output|message)('s)?\b(?!\s+(to\s+(the|our|their|this|that|these|those|my|a|an|all|every)\b|(on|about|regarding|re|from)\b|by\s+(?!\w+ing\b)))/i,
  new RegExp(
    `\\b(reply|respond|answer|write|express|render|provide your)\\b[^.!?\\n]{0,25}\\b(in|using|with)\\s+(base ?\\d+|hex(adecimal)?|binary|morse|emojis?|reverse|caesar|ciphers?|leetspeak|pig latin|anagrams?|(${LANGUAGES})\\b)`,
    'i',
  ),
  /\b(reply|respond|write|answer)\s+(in reverse|backwards?)\b/i,
  /\b(base ?(16|32|58|64)|caesar cipher|substitution cipher|monoalphabetic|homophonic substitution|alphanumeric substitution|rot ?13|leetspeak|anagrams?|anagrammed|emoji substitution|intentional (typos|misspellings))\b/i,
);

/** A task handed to a general-purpose assistant about material given in the text itself. */
const taskOnMaterial = any(
  /\b(summari[sz]e|analy[sz]e|classify|categori[sz]e|translate|paraphrase|proofread|rewrite|explain|what is|what are|what's|create action items|write [^.!?\n]{0,40})\b[^.!?\n]{0,40}\b(this|the following|given this|based on this|based on|of this)\s+(\w+\s+)?(web ?page|html|page|code|snippet|table|resume|cv|paper|article|review|tweet|post|comment|sentence|text|email|document|transaction|passage|paragraph|data)\b\s*[:'"{<]/i,
  /\b(determine|analy[sz]e|classify|detect|identify)\s+the\s+(sentiment|mood|tone|emotion)\b/i,
  /\b(positive or negative|negative or positive)\s*\?/i,
  /\b(translate the following|how do you say|equivalent for|what('s| is)\s+['"‘“][^'"’”]{1,60}['"’”]\s+in\s+(english|french|spanish|german|italian|portuguese|russian|japanese|chinese))\b/i,
);

/**
 * The weakest rule: a chat-assistant request (a general question, or an explain / write /
 * recommend task) in a sentence with no word of deal talk. Deal notes give orders too,
 * but about the buyer, the paperwork or the calendar.
 */
const TASK_OPENERS =
  /^(?:(?:please|kindly|now|also|first|next|then)[,\s]+)?(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?(explain|describe|summari[sz]e|analy[sz]e|translate|recommend|suggest|compose|draft|write|develop|provide|list|break down|determine|classify|define|compare|outline|help me|show me|tell me|give me|generate|create|teach me|how do|how can i|how does|how did|how have|how has|how is|how are|what is|what are|what's|what was|what were|who is|who was|who wrote|who invented|why is|why are|why do|why does|when did|when was|where is|which is|is there|are there|do you|can you)\b/i;

/** Words of deal talk: the buyer's side, the paperwork, money, meetings, the product in a deal. */
const DEAL_WORDS =
  /\b(they|their|them|theirs|we|our|us|ours|deal|deals|customer|customers|client|prospect|buyer|buyers|vendor|vendors|champion|stakeholders?|sponsor|procurement|legal|finance|security|compliance|it team|admin|admins|contract|contracts|msa|sow|nda|dpa|baa|sla|po|invoice|invoicing|quote|quotes|pricing|price|prices|priced|discount|budget|budgets|seats?|licen[cs]es?|subscription|renewals?|renew|order form|proposal|rfp|rfi|redlines?|signature|sign|signed|signs|countersign\w*|docusign|approval|approve|approved|demo|demos|pilot|poc|trial|sandbox|onboarding|implementation|rollout|go-live|kickoff|integration|integrations|sso|saml|scim|okta|api|crm|salesforce|hubspot|questionnaire|soc ?2|iso|gdpr|hipaa|audit|call|calls|meeting|meetings|sync|workshop|deep dive|qbr|onsite|agenda|follow-up|recap|timeline|deadline|quarter|q[1-4]|fiscal|eod|eow|board|cfo|cto|ceo|coo|cio|ciso|cro|vp|head of|director|manager|team|teams|reps?|ops|revops|roi|business case|value|competitor|competition|incumbent|evaluation|bake-off|shortlist|reference|references|case study|one-pager|deck|slides?|plan|tier|tiers|package|edition|users|licensing|payment|payments|net \d+|\$\s?\d|€\s?\d|£\s?\d|\d+\s?k\b)\b/i;

/** A question to anyone: a general question with no deal word reads as one asked of an assistant. */
const QUESTION = /^(what|who|whom|which|how|why|when|where)\b[^?]*\?$/i;

function assistantTask(sentence: string): boolean {
  const s = sentence.trim();
  if (!TASK_OPENERS.test(s) && !QUESTION.test(s)) return false;
  return !DEAL_WORDS.test(s);
}

/** Encoded payloads that a person would not write into a note: base64, hex, binary, morse. */
const obfuscation = any(
  /(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]*\d)(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*[A-Z])[A-Za-z0-9+/]{32,}={0,2}(?![A-Za-z0-9+/])/,
  /\b[0-9a-f]{40,}\b/i,
  /\b[01]{8}(\s+[01]{8}){3,}\b/,
  /(?:^|\s)[.-]{1,6}(?:\s+(?:\/\s+)?[.-]{1,6}){5,}(?:\s|$)/,
);

/** Markup and code: HubSpot notes arrive as text, so tags and code in a quote are pasted payload. */
const markupOrCode = any(
  /<!--|<!doctype|<\s*(script|iframe|html|head|body|code|caption|style|img|svg)\b/i,
  /(<\s*\/?\s*[a-z][a-z0-9]*(\s[^<>]*)?>[^<]*){3,}/i,
  /\b(def|function)\s+\w+\s*\(|\bimport\s+(math|os|sys|re|json|subprocess)\b|\bprint\s*\(|console\.log\s*\(|\brm\s+-rf\b|\bsudo\s+\w+|\bcurl\s+https?:/i,
);

/** Names of CRM fields, tools and policy, and "set X to Y": orders to the system, not deal facts. */
const crmDirective = any(
  /(?<![\w@./:-])[a-z][a-z0-9]*(_[a-z0-9]+)+(?![\w@/-]|\.[a-z])/,
  /\b(set|change|update|mark|move|switch|make|put|fill|overwrite|write)\s+(the\s+|this\s+|its\s+)?(deal\s*stage|stage|amount|close\s*date|next\s*step|owner|field|property|status|value|probability|forecast category|deal|opportunity|record|crm)\b[^.!?\n]{0,40}\b(to|=|as|with)\b/i,
  /\b(closed[\s-]won|closed[\s-]lost)\b/i,
  /\b(tool call|function call|tool_use|call the \w* ?(tool|function)|use the \w* ?(tool|function)|(record|write|save) (a |the )?findings?)\b/i,
  /\b(bypass|skip|without|no need for|override)\s+(the\s+|any\s+)?(human\s+|manual\s+|person'?s\s+)?(approvals?|approval cards?|review by a person)\b/i,
  /\bauto-?(approve|approval|write|apply)\b|\bwrite:\s*(auto|suggest|approve)\b|\b(field|write) policy\b/i,
  /\b(in|to|into)\s+(the\s+)?(crm|hubspot|salesforce)\s+(field|record|property)\b/i,
);

/** Where money should go: account numbers, bank changes, wallets, gift cards. */
const paymentDetails = any(
  /\b(wire|transfer|send|pay|refund|deposit|remit|route)\b[^.!?\n]{0,50}\b(to|into)\s+(the\s+|our\s+|my\s+|this\s+|a\s+|new\s+|following\s+)?(bank\s+|checking\s+|savings\s+)?(account|acct|iban|wallet)\b/i,
  /\b(account|acct|a\/c|iban|routing|aba|sort code|swift|bic|bsb)\s*(number|no\.?|#|:)?\s*:?\s*[A-Z]{0,4}\d[\d\s-]{3,}/i,
  /\b[A-Z]{2}\d{2}(\s?[A-Z0-9]{4}){3,7}\b/,
  /\b(new|updated|changed|change of|different|revised)\s+(bank|banking|payment|wire|remittance)\s+(details|information|info|instructions|account)\b/i,
  /\b(bank|banking)\s+(details|information|info)\b[^.!?\n]{0,30}\b(to|at)\s+(www\.|https?:|\S+\.(com|net|org|xyz))/i,
  /\b(bitcoin|btc|ethereum|usdt|crypto(currency)? wallet|wallet address|gift ?cards?)\b/i,
  /\b(?:\d[ -]?){13,19}\b/,
);

/** Phishing bait: links to follow, passwords to reset, accounts said to be compromised. */
const phishing = any(
  /\b(click|follow|visit|open|tap)\s+(on\s+)?(this|the|that|the following)\s+link\b/i,
  /\breset (your|their|the) password\b/i,
  /\b(account|password) (has been|was|is) (compromised|suspended|locked|hacked)\b/i,
  /\b(download|install)\b[^.!?\n]{0,40}\b(www\.|https?:\/\/)/i,
);

/** Slack mentions and links: they reach people when the text is shown in Slack. */
const mention = any(/<\s*[!@#]/, /(^|\s)@(channel|here|everyone)\b/i, /<https?:[^>]*\|/i);

/** In order: the first rule that matches names the reason. */
export const SCREEN_RULES: readonly Rule[] = [
  { id: 'override', reason: 'it tells the reader to ignore its instructions', test: override },
  { id: 'addresses_ai', reason: 'it addresses an AI, a model or an assistant', test: addressesAi },
  {
    id: 'role_framing',
    reason: 'it uses system-notice, role or hypothetical framing',
    test: roleFraming,
  },
  {
    id: 'response_shaping',
    reason: 'it tells the reader how to shape its own answer',
    test: responseShaping,
  },
  {
    id: 'assistant_task',
    reason: 'it hands a general task or question to an assistant, with nothing about the deal',
    test: (s) => taskOnMaterial(s) || assistantTask(s),
  },
  { id: 'obfuscation', reason: 'it carries encoded text', test: obfuscation },
  { id: 'markup_or_code', reason: 'it carries markup or code', test: markupOrCode },
  {
    id: 'crm_directive',
    reason: 'it names CRM fields, tools or policy, or says to set a field',
    test: crmDirective,
  },
  {
    id: 'payment_details',
    reason: 'it gives payment or account details',
    test: paymentDetails,
  },
  { id: 'phishing', reason: 'it asks to follow a link or reset a password', test: phishing },
  { id: 'mention', reason: 'it carries Slack mentions or links', test: mention },
];

const INVISIBLE = /[\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/gu;

/** Compatibility forms folded (full-width letters, ligatures) and invisible characters removed. */
function canonical(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '');
}

/** Splits a passage into sentences: at line breaks and at . ! ? followed by a space. */
export function sentences(text: string): string[] {
  return text
    .split(/\n+|(?<=[.!?])\s+(?=\S)/u)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Screens one piece of text: each sentence against every rule, then the whole for what spans sentences. */
export function screenText(text: string): ScreenVerdict {
  const clean = canonical(text);
  const parts = sentences(clean);
  for (const rule of SCREEN_RULES) {
    if (rule.id === 'assistant_task') {
      if (parts.some(rule.test)) return flag(rule);
      continue;
    }
    if (rule.test(clean)) return flag(rule);
  }
  return { flagged: false };
}

function flag(rule: Rule): ScreenVerdict {
  return { flagged: true, rule: rule.id, reason: `${SCREEN_REASON_PREFIX}: ${rule.reason}` };
}

const PASSAGE_REACH = 300;

/**
 * The quote with the rest of the sentences it touches in its note (line breaks and
 * sentence ends bound it; at most PASSAGE_REACH characters either side). Found the way
 * the citation gate finds it; a quote not found is screened on its own.
 */
export function passageAround(body: string, quote: string): string {
  // Most quotes are copied exactly: cut the passage from the note as it is.
  const exact = quote.trim();
  const found = exact === '' ? -1 : body.indexOf(exact);
  if (found >= 0)
    return expand(body, found, found + exact.length, (i) => LINE_BREAK.test(body.charAt(i - 1)));
  const needle = normalizeForCitation(quote).trim();
  const { text, breaks } = withLineBreaks(body);
  const at = needle === '' ? -1 : text.indexOf(needle);
  if (at < 0) return quote;
  return expand(text, at, at + needle.length, (i) => breaks.has(i));
}

const LINE_BREAK = /[\n\r\u2028\u2029]/u;
const SENTENCE_END = /[.!?]/u;
const SPACE = /\p{White_Space}/u;

/** Widens [from, to) in `text` to whole sentences: after a line break or ". ", up to the next. */
function expand(
  text: string,
  from: number,
  to: number,
  lineStartsAt: (i: number) => boolean,
): string {
  const startsSentence = (i: number) =>
    lineStartsAt(i) || (SPACE.test(text.charAt(i - 1)) && SENTENCE_END.test(text.charAt(i - 2)));
  let start = from;
  const floor = Math.max(0, from - PASSAGE_REACH);
  while (start > floor && !startsSentence(start)) start -= 1;
  let end = to;
  const ceiling = Math.min(text.length, to + PASSAGE_REACH);
  while (end < ceiling && !(SPACE.test(text.charAt(end)) && startsSentence(end + 1))) end += 1;
  return text.slice(start, end).trim();
}

/**
 * The note in the citation gate's form (whitespace runs as one space), remembering where
 * a run held a line break, so sentences still end there.
 */
function withLineBreaks(body: string): { text: string; breaks: Set<number> } {
  const nfc = body.normalize('NFC');
  const breaks = new Set<number>();
  let text = '';
  let last = 0;
  for (const m of nfc.matchAll(/\p{White_Space}+/gu)) {
    text += nfc.slice(last, m.index);
    if (/[\n\r\u2028\u2029]/u.test(m[0])) breaks.add(text.length + 1);
    text += ' ';
    last = m.index + m[0].length;
  }
  return { text: text + nfc.slice(last), breaks };
}

/** The screen for one finding: the quote with the sentences around it in the note it cites. */
export function screenFinding(quote: string, noteBody: string | undefined): ScreenVerdict {
  return screenText(noteBody === undefined ? quote : passageAround(noteBody, quote));
}
