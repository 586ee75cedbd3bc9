// Pure logic behind the message composer and the outbox view: recipients typed as text, the
// identities one can send as, the signature, the form turned into the core's `DraftInput`,
// when a form is worth saving, the checks before sending, and how outbox items are labelled and
// grouped. No DOM, no IPC; labels that need translating go through the `translate` function
// passed in, so that everything here is testable on its own.

import type { Address } from './bindings/Address';
import type { AnswerRef } from './bindings/AnswerRef';
import type { CarriedAttachment } from './bindings/CarriedAttachment';
import type { DraftInput } from './bindings/DraftInput';
import type { Identity } from './bindings/Identity';
import type { OutboxItem } from './bindings/OutboxItem';
import type { OutboxState } from './bindings/OutboxState';
import type { SendMode } from './bindings/SendMode';

export type Translate = (key: string, params?: Record<string, string | number>) => string;

// ---------------------------------------------------------------------------------------------
// Recipients

/** What a recipient field holds: a valid address, or what the user typed that is not one (kept
 * and shown as an error rather than silently dropped). */
export type Recipient = { kind: 'address'; address: Address } | { kind: 'invalid'; text: string };

export type ParsedRecipients = { addresses: Address[]; invalid: string[]; recipients: Recipient[] };

// Deliberately simple: one `@`, no spaces or specials, a dot in the domain. It catches the
// usual typos (`jean.dupont@mairie`, a missing `@`) without rejecting real addresses.
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]+$/;

/** True for something that looks like a mail address. */
export function isEmail(text: string): boolean {
  return EMAIL.test(text);
}

/** Splits on `,`, `;` and line breaks, except inside double quotes and angle brackets, so that
 * `"Dupont, Jean" <jean@x.fr>` stays one token. */
export function splitRecipients(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  let angled = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted && c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1]!;
      i += 1;
      continue;
    }
    if (c === '"' && !angled) quoted = !quoted;
    else if (c === '<' && !quoted) angled = true;
    else if (c === '>' && !quoted) angled = false;
    if (!quoted && !angled && (c === ',' || c === ';' || c === '\n' || c === '\r')) {
      tokens.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  tokens.push(current);
  return tokens.map((token) => token.trim()).filter((token) => token !== '');
}

/** Whether the text ends inside a quoted name or an angle bracket: a separator typed there is
 * part of the name, not the end of the recipient. */
export function isInsideToken(text: string): boolean {
  let quoted = false;
  let angled = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted && c === '\\') i += 1;
    else if (c === '"' && !angled) quoted = !quoted;
    else if (c === '<' && !quoted) angled = true;
    else if (c === '>' && !quoted) angled = false;
  }
  return quoted || angled;
}

function unquote(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) {
    return trimmed.slice(1, -1).replace(/\\(.)/g, '$1').trim();
  }
  return trimmed;
}

/** One recipient: `Nom <a@b.fr>`, `"Nom, Prénom" <a@b.fr>`, `<a@b.fr>` or `a@b.fr`; `null` when
 * it is none of these. */
export function parseAddress(token: string): Address | null {
  const text = token.trim();
  const angle = /^(.*)<\s*([^<>]*?)\s*>$/s.exec(text);
  if (angle) {
    const email = angle[2]!;
    if (!isEmail(email)) return null;
    const name = unquote(angle[1]!);
    return { name: name === '' ? null : name, email };
  }
  // A bare address, possibly written `mailto:` from a copied link.
  const bare = text.replace(/^mailto:/i, '');
  return isEmail(bare) ? { name: null, email: bare } : null;
}

/** Reads what was typed or pasted in a recipient field, in order, keeping the tokens that are
 * not addresses apart so that the field can show them as errors. */
export function parseRecipients(text: string): ParsedRecipients {
  const recipients: Recipient[] = splitRecipients(text).map((token) => {
    const address = parseAddress(token);
    return address ? { kind: 'address', address } : { kind: 'invalid', text: token };
  });
  return {
    recipients,
    addresses: recipients.flatMap((r) => (r.kind === 'address' ? [r.address] : [])),
    invalid: recipients.flatMap((r) => (r.kind === 'invalid' ? [r.text] : [])),
  };
}

/** An address written back the way `parseAddress` reads it: the name quoted when it holds a
 * character that would otherwise split or break it. */
export function formatAddress(address: Address): string {
  const name = address.name?.trim();
  if (!name) return address.email;
  const safe = /^[^",;<>@()[\]\\:]*$/.test(name) ? name : `"${name.replace(/(["\\])/g, '\\$1')}"`;
  return `${safe} <${address.email}>`;
}

export function formatAddresses(addresses: Address[]): string {
  return addresses.map(formatAddress).join(', ');
}

/** The same address, whatever its case. */
export function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The valid addresses of a field, without the ones given twice. */
export function addressesOf(recipients: Recipient[]): Address[] {
  const out: Address[] = [];
  for (const r of recipients) {
    if (r.kind === 'address' && !out.some((a) => sameEmail(a.email, r.address.email))) out.push(r.address);
  }
  return out;
}

/** Adds the parsed recipients to a field, skipping addresses it already holds. */
export function appendRecipients(current: Recipient[], added: Recipient[]): Recipient[] {
  const out = [...current];
  for (const r of added) {
    if (r.kind === 'address' && out.some((o) => o.kind === 'address' && sameEmail(o.address.email, r.address.email))) {
      continue;
    }
    out.push(r);
  }
  return out;
}

export function toRecipients(addresses: Address[]): Recipient[] {
  return addresses.map((address) => ({ kind: 'address', address }));
}

// ---------------------------------------------------------------------------------------------
// Identities

/** One entry of the « De » picker. */
export type IdentityChoice = {
  /** Stable key for the `<select>`: mode and address. */
  id: string;
  email: string;
  name: string | null;
  mode: SendMode;
  signature: string | null;
  label: string;
};

const MODE_RANK: Record<SendMode, number> = { own: 0, send_as: 1, on_behalf: 2 };

function choiceLabel(email: string, name: string | null, mode: SendMode, translate: Translate): string {
  if (mode === 'send_as') return translate('compose.identity.sendAs', { address: email });
  if (mode === 'on_behalf') return translate('compose.identity.onBehalf', { address: email });
  const shown = name?.trim();
  return shown ? `${shown} <${email}>` : email;
}

function choice(
  email: string,
  name: string | null,
  mode: SendMode,
  signature: string | null,
  translate: Translate,
): IdentityChoice {
  return { id: `${mode}:${email.toLowerCase()}`, email, name, mode, signature, label: choiceLabel(email, name, mode, translate) };
}

/**
 * The picker's entries: the account's own address first (even when the core did not list it),
 * then its other own addresses, then the addresses it sends as, then those it sends on behalf
 * of, each group in the order given, without duplicates.
 */
export function identityChoices(account: string, identities: Identity[], translate: Translate): IdentityChoice[] {
  const own = identities.find((i) => i.mode === 'own' && sameEmail(i.email, account));
  const first = choice(account, own?.name ?? null, 'own', own?.signature ?? null, translate);
  const rest = identities
    .filter((i) => !(i.mode === 'own' && sameEmail(i.email, account)))
    .map((i, index) => ({ i, index }))
    .sort((a, b) => MODE_RANK[a.i.mode] - MODE_RANK[b.i.mode] || a.index - b.index)
    .map(({ i }) => choice(i.email, i.name, i.mode, i.signature, translate));
  const out: IdentityChoice[] = [first];
  for (const c of rest) if (!out.some((o) => o.id === c.id)) out.push(c);
  return out;
}

/** What an identity puts into the form: `from` for an address sent as (or another own address
 * of the account), `on_behalf_of` for a service sent for; both empty for the account itself. */
export function senderFields(
  account: string,
  identity: IdentityChoice | null,
): { from: string | null; on_behalf_of: string | null } {
  if (identity === null) return { from: null, on_behalf_of: null };
  if (identity.mode === 'on_behalf') return { from: null, on_behalf_of: identity.email };
  if (identity.mode === 'send_as') return { from: identity.email, on_behalf_of: null };
  return { from: sameEmail(identity.email, account) ? null : identity.email, on_behalf_of: null };
}

/**
 * The picker's entry for a form the core prepared (an answer from a service mailbox, a draft):
 * the one matching its `on_behalf_of` or `from`, else the account's own. When the address is not
 * among the choices (an identity removed since), an entry is made for it so that it is kept.
 */
export function choiceForDraft(
  choices: IdentityChoice[],
  draft: Pick<DraftInput, 'from' | 'on_behalf_of'>,
  translate: Translate,
): { choice: IdentityChoice | null; choices: IdentityChoice[] } {
  const wanted: { email: string; mode: SendMode } | null = draft.on_behalf_of
    ? { email: draft.on_behalf_of, mode: 'on_behalf' }
    : draft.from
      ? { email: draft.from, mode: 'send_as' }
      : null;
  if (wanted === null) return { choice: choices[0] ?? null, choices };
  const exact = choices.find((c) => c.mode === wanted.mode && sameEmail(c.email, wanted.email));
  // A `from` naming another own address of the account is that own entry.
  const any = exact ?? (wanted.mode === 'send_as' ? choices.find((c) => sameEmail(c.email, wanted.email)) : undefined);
  if (any) return { choice: any, choices };
  const made = choice(wanted.email, null, wanted.mode, null, translate);
  return { choice: made, choices: [...choices, made] };
}

function localPart(address: string): string {
  const at = address.indexOf('@');
  return (at > 0 ? address.slice(0, at) : address).toLowerCase();
}

/** The service identity matching a shared mailbox's owner (`accueil` or `accueil@mairie.fr`),
 * for a new message written from that mailbox; `null` when there is none. */
export function choiceForOwner(choices: IdentityChoice[], owner: string | null): IdentityChoice | null {
  if (owner === null || owner.trim() === '') return null;
  const services = choices.filter((c) => c.mode !== 'own');
  if (owner.includes('@')) {
    const exact = services.find((c) => sameEmail(c.email, owner));
    if (exact) return exact;
  }
  return services.find((c) => localPart(c.email) === localPart(owner)) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Signature

/** The usenet separator line, `-- ` with its trailing space, that mail readers recognise. */
export const SIGNATURE_SEPARATOR = '-- \n';

/** The signature as it goes into the text, separator included; empty without one. */
export function signatureBlock(signature: string | null | undefined): string {
  const text = signature?.replace(/\r\n/g, '\n').replace(/^\n+|\s+$/g, '') ?? '';
  return text === '' ? '' : `${SIGNATURE_SEPARATOR}${text}`;
}

/**
 * The text a form starts with: room to write at the top, then the signature, then what the core
 * prepared (the quoted message of an answer or forward). The caret goes at offset 0, so the new
 * text is written above the quote.
 */
export function startText(quote: string, signature: string | null | undefined): string {
  const block = signatureBlock(signature);
  const rest = quote.replace(/^(\r?\n)+/, '');
  const parts = [block, rest].filter((part) => part !== '');
  return parts.length === 0 ? '' : `\n\n${parts.join('\n\n')}`;
}

/**
 * Replaces the signature of `previous` identity by that of `next` in the text. When the old
 * signature is no longer found as written (the user changed it), the new one is added above the
 * quote (or at the end) rather than guessing what to remove.
 */
export function swapSignature(
  text: string,
  previous: string | null | undefined,
  next: string | null | undefined,
  quote = '',
): string {
  const oldBlock = signatureBlock(previous);
  const newBlock = signatureBlock(next);
  if (oldBlock === newBlock) return text;
  const at = oldBlock === '' ? -1 : text.indexOf(oldBlock);
  if (at !== -1) {
    if (newBlock !== '') return text.slice(0, at) + newBlock + text.slice(at + oldBlock.length);
    // Removing: take the blank line that separated it from the text above too.
    let start = at;
    while (start > 0 && text[start - 1] === '\n' && at - start < 2) start -= 1;
    return text.slice(0, start) + text.slice(at + oldBlock.length);
  }
  if (newBlock === '') return text;
  const body = quote.replace(/^(\r?\n)+/, '');
  const quoteAt = body === '' ? -1 : text.lastIndexOf(body);
  if (quoteAt !== -1) return `${text.slice(0, quoteAt)}${newBlock}\n\n${text.slice(quoteAt)}`;
  return text.replace(/\s+$/, '') === '' ? `\n\n${newBlock}` : `${text.replace(/\s+$/, '')}\n\n${newBlock}`;
}

// ---------------------------------------------------------------------------------------------
// The form

/** What the composer's form holds. */
export type ComposeForm = {
  account: string;
  identity: IdentityChoice | null;
  to: Recipient[];
  cc: Recipient[];
  bcc: Recipient[];
  subject: string;
  text: string;
  /** Files added from this device, by path. */
  files: string[];
  /** Attachments the form carries over (a forward's, a draft's). */
  carried: CarriedAttachment[];
  /** Names of the carried attachments the user removed. */
  removed: string[];
  answering: AnswerRef | null;
  draftId: string | null;
};

/** The form as the core takes it. */
export function buildDraft(form: ComposeForm): DraftInput {
  const kept = form.carried.filter((a) => !form.removed.includes(a.name)).map((a) => a.name);
  return {
    ...senderFields(form.account, form.identity),
    to: addressesOf(form.to),
    cc: addressesOf(form.cc),
    bcc: addressesOf(form.bcc),
    subject: form.subject,
    text: form.text,
    html: null,
    attachments: [...form.files],
    answering: form.answering,
    draft_id: form.draftId,
    // `null` keeps them all, which also covers a form carrying none.
    kept_attachments: kept.length === form.carried.length ? null : kept,
  };
}

/** What decides whether a form changed: everything it would save, except the draft's id (set
 * by the first save, which changes nothing the user wrote). */
export function formSnapshot(form: ComposeForm): string {
  const { draft_id: _ignored, ...rest } = buildDraft(form);
  void _ignored;
  return JSON.stringify({ ...rest, invalid: [form.to, form.cc, form.bcc].map((f) => f.filter((r) => r.kind === 'invalid')) });
}

/** Worth an autosave: the form differs from the version last saved (or the one it started
 * from). A new form nobody wrote in is not. */
export function isDirty(form: ComposeForm, baseline: string): boolean {
  return formSnapshot(form) !== baseline;
}

/** The text the user wrote: without the quoted lines and from the signature on. */
export function ownText(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  for (const line of lines) {
    if (line === '-- ') break;
    if (/^\s*>/.test(line)) continue;
    out.push(line);
  }
  return out.join('\n');
}

// « pièce jointe », « pièces jointes », « PJ », « ci-joint(e)(s) », « en annexe », and the
// English words for those who write in English.
const MENTIONS_ATTACHMENT =
  /pi[eè]ces?[\s\u00a0-]+jointes?|\bci[\s\u00a0-]*joint(e|s|es)?\b|\bPJ\b|\ben annexe\b|\battach(ed|ment|ments)\b/iu;

/** The user's own text speaks of an attachment (the quoted message does not count). */
export function mentionsAttachment(text: string): boolean {
  return MENTIONS_ATTACHMENT.test(ownText(text));
}

export type SendProblem = 'invalid' | 'noRecipient' | 'noSubject' | 'noAttachment';

/**
 * What to tell the user before sending, in order: `invalid` and `noRecipient` stop the sending,
 * `noSubject` and `noAttachment` ask for a confirmation.
 */
export function sendProblems(form: ComposeForm): SendProblem[] {
  const problems: SendProblem[] = [];
  const fields = [form.to, form.cc, form.bcc];
  if (fields.some((f) => f.some((r) => r.kind === 'invalid'))) problems.push('invalid');
  if (fields.every((f) => addressesOf(f).length === 0)) problems.push('noRecipient');
  if (form.subject.trim() === '') problems.push('noSubject');
  const attached = form.files.length + form.carried.filter((a) => !form.removed.includes(a.name)).length;
  if (attached === 0 && mentionsAttachment(form.text)) problems.push('noAttachment');
  return problems;
}

/** The file name of a path, whichever the system's separator. */
export function fileName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? path;
}

// ---------------------------------------------------------------------------------------------
// Outbox

export const OUTBOX_STATE_KEYS = {
  queued: 'outbox.state.queued',
  sending: 'outbox.state.sending',
  confirming: 'outbox.state.confirming',
  accepted: 'outbox.state.accepted',
  filed: 'outbox.state.filed',
  failed: 'outbox.state.failed',
  unconfirmed: 'outbox.state.unconfirmed',
} as const satisfies Record<OutboxState, string>;

/** Stopped: the core will not try again by itself; the user retries or drops it. */
export function isStopped(state: OutboxState): boolean {
  return state === 'failed' || state === 'unconfirmed';
}

/** Still to do something: everything but a message whose copy is filed. */
export function isPending(item: OutboxItem): boolean {
  return item.state !== 'filed';
}

/** The count next to « Boîte d’envoi ». */
export function pendingCount(items: OutboxItem[]): number {
  return items.filter(isPending).length;
}

export type OutboxGroupKind = 'stopped' | 'waiting' | 'done';
export type OutboxGroup = { kind: OutboxGroupKind; items: OutboxItem[] };

function groupOf(state: OutboxState): OutboxGroupKind {
  if (isStopped(state)) return 'stopped';
  return state === 'filed' ? 'done' : 'waiting';
}

/** The outbox as shown: what needs the user first, then what is on its way, then what is done;
 * oldest first inside a group (the order they leave in). Empty groups are left out. */
export function groupOutbox(items: OutboxItem[]): OutboxGroup[] {
  const order: OutboxGroupKind[] = ['stopped', 'waiting', 'done'];
  return order
    .map((kind) => ({
      kind,
      items: items
        .filter((item) => groupOf(item.state) === kind)
        .sort((a, b) => a.queued_at.localeCompare(b.queued_at) || a.message_id.localeCompare(b.message_id)),
    }))
    .filter((group) => group.items.length > 0);
}
