// The identity editor's form: what the fields hold (plain strings, empty for « none »), how an
// identity fills them, what they give back, and what stops them from being saved.

import type { Identity } from './bindings/Identity';
import type { SendMode } from './bindings/SendMode';
import { isEmail, sameEmail } from './composer';

export const SEND_MODES: SendMode[] = ['own', 'send_as', 'on_behalf'];

export type IdentityForm = {
  email: string;
  name: string;
  signature: string;
  replyTo: string;
  sentFolder: string;
  mode: SendMode;
};

export type IdentityProblem = 'badAddress' | 'exists' | 'badReplyTo';

/** The form for an identity; a new one sends as the address given (not the account's own). */
export function formOf(identity: Identity | null): IdentityForm {
  return {
    email: identity?.email ?? '',
    name: identity?.name ?? '',
    signature: identity?.signature ?? '',
    replyTo: identity?.reply_to ?? '',
    sentFolder: identity?.sent_folder ?? '',
    mode: identity?.mode ?? 'send_as',
  };
}

/** Empty (or blank) fields become « none », so that the core falls back to its defaults. */
function optional(text: string): string | null {
  const trimmed = text.trim();
  return trimmed === '' ? null : trimmed;
}

/** The identity the form describes. `discovered` stays what it was: editing a service mailbox
 * found in the shared namespace gives it settings, it does not make it another address. */
export function identityOf(form: IdentityForm, original: Identity | null): Identity {
  return {
    email: original?.email ?? form.email.trim(),
    name: optional(form.name),
    mode: form.mode,
    // A signature keeps its own blank lines and indentation; only trailing space goes.
    signature: form.signature.trim() === '' ? null : form.signature.replace(/\s+$/, ''),
    reply_to: optional(form.replyTo),
    sent_folder: optional(form.sentFolder),
    discovered: original?.discovered ?? false,
  };
}

/** Why the form cannot be saved, first problem first; [] when it can. `existing` are the
 * account's identities, for a new address that already has one. */
export function identityProblems(form: IdentityForm, original: Identity | null, existing: Identity[]): IdentityProblem[] {
  const problems: IdentityProblem[] = [];
  if (original === null) {
    const email = form.email.trim();
    if (!isEmail(email)) problems.push('badAddress');
    else if (existing.some((identity) => sameEmail(identity.email, email))) problems.push('exists');
  }
  const replyTo = form.replyTo.trim();
  if (replyTo !== '' && !isEmail(replyTo)) problems.push('badReplyTo');
  return problems;
}

/** The account's own address first, then the others in the core's order. */
export function ownFirst(account: string, identities: Identity[]): Identity[] {
  const own = identities.filter((identity) => sameEmail(identity.email, account));
  return [...own, ...identities.filter((identity) => !sameEmail(identity.email, account))];
}
