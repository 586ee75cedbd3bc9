// Pure helpers behind the invitation card of the reader: when an iMIP event takes place, said
// the French way first. No DOM, no IPC. Times are shown in the computer's zone (the town hall's),
// since an organiser elsewhere sends them with their own offset.

import type { Invitation } from './bindings/Invitation';
import type { InvitationAnswer } from './bindings/InvitationAnswer';
import type { Lang } from './i18n';

const LOCALE: Record<Lang, string> = { fr: 'fr-FR', en: 'en-GB' };
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` day as a local date (not UTC midnight, which would show the day before west
 * of Greenwich). */
function parseDay(value: string): Date | null {
  const match = DATE_ONLY.exec(value);
  if (!match) return null;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

/** RFC 3339 with an offset, or a floating local time (read as local), or a bare day. */
function parseTime(value: string): Date | null {
  const day = parseDay(value);
  if (day) return day;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/**
 * When the event takes place: "lundi 15 mars 2027, 09:00 – 10:30", "lundi 15 mars 2027
 * (journée entière)", or a span of days. An all-day event's end is exclusive (RFC 5545): the
 * day before it is the last one. `null` when the start is missing or unreadable.
 */
export function invitationWhen(
  invitation: Pick<Invitation, 'start' | 'end' | 'all_day'>,
  lang: Lang,
  allDayWord: string,
): string | null {
  if (invitation.start === null) return null;
  const locale = LOCALE[lang];
  const allDay = invitation.all_day || DATE_ONLY.test(invitation.start);
  const start = allDay ? parseDay(invitation.start.slice(0, 10)) : parseTime(invitation.start);
  if (start === null) return null;
  let end = invitation.end === null ? null : allDay ? parseDay(invitation.end.slice(0, 10)) : parseTime(invitation.end);
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'full' });
  if (allDay) {
    if (end !== null) {
      end = new Date(end.getFullYear(), end.getMonth(), end.getDate() - 1);
      if (end > start && !sameDay(start, end)) return `${day.format(start)} – ${day.format(end)}`;
    }
    return `${day.format(start)} (${allDayWord})`;
  }
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  if (end === null || end <= start) return `${day.format(start)}, ${time.format(start)}`;
  if (sameDay(start, end)) return `${day.format(start)}, ${time.format(start)} – ${time.format(end)}`;
  const full = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' });
  return `${full.format(start)} – ${full.format(end)}`;
}

/** What the card shows for a message: a request to answer, a cancellation, or an answer. */
export type InvitationKind = 'request' | 'cancel' | 'reply' | 'other';

export function invitationKind(method: string): InvitationKind {
  switch (method.trim().toUpperCase()) {
    case 'REQUEST':
      return 'request';
    case 'CANCEL':
      return 'cancel';
    case 'REPLY':
      return 'reply';
    default:
      return 'other';
  }
}

/** The answers offered, in the order of the buttons. */
export const ANSWERS: readonly InvitationAnswer[] = ['accept', 'tentative', 'decline'];
