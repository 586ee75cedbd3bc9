// Tiny typed translation catalogue. French is the source of truth (`i18n/fr.ts`); the keys are
// typed from it, so a key missing from English, or a mistyped key in a component, fails the
// type check.

import { writable } from 'svelte/store';
import { fr, type MessageKey } from './i18n/fr';
import { en } from './i18n/en';
import type { AppError } from './bindings/AppError';
import type { ErrorKind } from './bindings/ErrorKind';

export type { MessageKey };
export type Lang = 'fr' | 'en';
export type Params = Record<string, string | number>;

export const catalogues: Record<Lang, Record<MessageKey, string>> = { fr, en };

/** French unless the system asks for English. */
export function detectLanguage(tag: string | null | undefined): Lang {
  return tag?.toLowerCase().startsWith('en') ? 'en' : 'fr';
}

/** The current language. */
export const lang = writable<Lang>(
  detectLanguage(typeof navigator === 'undefined' ? undefined : navigator.language),
);

let current: Lang = 'fr';
lang.subscribe((value) => {
  current = value;
});

/** Replaces each `{name}` by `params.name`; an unknown name is left as written. */
export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

/** Translates `key` in the current language (French when a string is missing at run time). */
export function t(key: MessageKey, params?: Params): string {
  const template = catalogues[current][key] ?? fr[key];
  return interpolate(template, params);
}

/** "1 non lu" / "3 non lus": picks `key.one` or `key.other` with the language's plural rule. */
export function plural(
  base: 'folder.unread' | 'folder.total' | 'invitation.attendees' | 'move.selected',
  n: number,
): string {
  const rule = new Intl.PluralRules(current).select(n);
  return t(rule === 'one' ? `${base}.one` : `${base}.other`, { n: formatNumber(n) });
}

/** A count written the local way ("1 245" in French, "1,245" in English). */
export function formatNumber(n: number): string {
  return new Intl.NumberFormat(current).format(n);
}

/** Who holds the profile, from the core's sentence ("… déjà ouvert par {holder}" or
 * "… in use by {holder}"); `null` when the sentence does not say. */
export function profileHolder(message: string): string | null {
  const match = /^.*\b(?:par|by)\s+(.+?)\s*\.?$/su.exec(message.trim());
  return match?.[1] ?? null;
}

/** The message shown for an error from the core, by kind (the core's own sentence, already in
 * the user's language, is shown below it as the detail). */
export function errorMessage(error: AppError): string {
  const kind: ErrorKind = error.kind;
  if (kind === 'profile_in_use') {
    const holder = profileHolder(error.message);
    return holder ? t('error.profile_in_use', { holder }) : t('error.profile_in_use.unknown');
  }
  return t(`error.${kind}`);
}
