// Dates, sizes and people written for the reader, the French way first. `now` is passed in so
// that "today" is testable.

import type { Address } from './bindings/Address';
import type { Lang } from './i18n';

const LOCALE: Record<Lang, string> = { fr: 'fr-FR', en: 'en-GB' };

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

function parse(iso: string | null): Date | null {
  if (iso === null) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The date column of the message list: "09:05" today, "3 mars" this year, "03/03/2025"
 * before; empty when the date is missing or unreadable. */
export function listDate(iso: string | null, now: Date, lang: Lang = 'fr'): string {
  const date = parse(iso);
  if (date === null) return '';
  const locale = LOCALE[lang];
  if (sameDay(date, now)) {
    return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(date);
  }
  if (date.getFullYear() === now.getFullYear()) {
    return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' }).format(date);
  }
  return new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric' }).format(date);
}

/** The full date of the reader's headers: "mercredi 3 mars 2027 à 09:05". */
export function fullDate(iso: string | null, lang: Lang = 'fr'): string {
  const date = parse(iso);
  if (date === null) return '';
  return new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'full', timeStyle: 'short' }).format(date);
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;

/** A size in French units (octets, ko, Mo, Go; powers of 1024): "512 octets", "1,5 Mo". */
export function fileSize(bytes: number, lang: Lang = 'fr'): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return new Intl.NumberFormat(LOCALE[lang], {
    style: 'unit',
    unit: UNITS[unit],
    unitDisplay: unit === 0 ? 'long' : 'short',
    maximumFractionDigits: unit === 0 || value >= 10 ? 0 : 1,
  }).format(value);
}

/** A person as a list shows them: the name, else the address. */
export function personName(address: Address | null): string {
  if (address === null) return '';
  const name = address.name?.trim();
  return name ? name : address.email;
}

/** "Name <address>" (or the address alone) for the reader's headers. */
export function personFull(address: Address): string {
  const name = address.name?.trim();
  return name ? `${name} <${address.email}>` : address.email;
}

/** A time of day, "14:32", for « Brouillon enregistré à 14:32 ». */
export function clockTime(date: Date, lang: Lang = 'fr'): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { hour: '2-digit', minute: '2-digit' }).format(date);
}

/** A date and time written short, "3 mars 2027 à 14:32" (empty when unreadable), for the
 * outbox's next attempt and the drafts' last change. */
export function shortDateTime(iso: string | null, lang: Lang = 'fr'): string {
  const date = parse(iso);
  if (date === null) return '';
  return new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}
