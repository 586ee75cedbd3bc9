// The calendar's logic, kept out of the components so that it can be tested without a DOM:
// the date range each view shows, moving between periods, reading the core's occurrence times,
// placing events in a day or a week, the repetition and reminder presets, and turning the
// editor's form into the `EventInput` the core takes.
//
// Dates are local: a day is a `Date` at local midnight, built from its year, month and day
// (never by adding 24 h, which would drift across the daylight-saving changes).

import type { DetailedOccurrence } from './bindings/DetailedOccurrence';
import type { EventInput } from './bindings/EventInput';
import type { Lang, MessageKey } from './i18n';

export type ViewKind = 'month' | 'week' | 'day' | 'agenda';

export const VIEWS: readonly ViewKind[] = ['month', 'week', 'day', 'agenda'];

/** Days shown by the agenda, today included. */
export const AGENDA_DAYS = 30;

const LOCALE: Record<Lang, string> = { fr: 'fr-FR', en: 'en-GB' };

export function locale(lang: Lang): string {
  return LOCALE[lang];
}

// Days ----------------------------------------------------------------------------------------

/** Local midnight of `date`'s day. */
export function startOfDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

/** The day `n` days after `date`'s (local calendar days, whatever the clock changes). */
export function addDays(date: Date, n: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + n);
}

export function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** Whole calendar days from `a`'s day to `b`'s (negative when `b` is earlier). */
export function daysBetween(a: Date, b: Date): number {
  // UTC dates of the same calendar days: exactly 86 400 000 ms apart, no DST in between.
  const ua = Date.UTC(a.getFullYear(), a.getMonth(), a.getDate());
  const ub = Date.UTC(b.getFullYear(), b.getMonth(), b.getDate());
  return Math.round((ub - ua) / 86_400_000);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `YYYY-MM-DD` of the local day. */
export function isoDate(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Local midnight of a `YYYY-MM-DD` day; `null` when it is not one. */
export function parseIsoDate(text: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return isoDate(date) === text ? date : null;
}

/** `HH:MM` of the local time. */
export function hhmm(date: Date): string {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Minutes since local midnight. */
export function minutesOfDay(date: Date): number {
  return date.getHours() * 60 + date.getMinutes();
}

/** Monday of `date`'s week (weeks start on Monday, the French and ISO way). */
export function startOfWeek(date: Date): Date {
  const monday = (date.getDay() + 6) % 7;
  return addDays(date, -monday);
}

/** The ISO 8601 week number (week 1 holds the year's first Thursday). */
export function isoWeek(date: Date): number {
  const thursday = addDays(startOfWeek(date), 3);
  const firstJan = new Date(thursday.getFullYear(), 0, 1);
  return Math.floor(daysBetween(firstJan, thursday) / 7) + 1;
}

// Views ---------------------------------------------------------------------------------------

/** The days a view shows around `anchor`, both included. */
export type Range = { from: Date; to: Date };

export function viewRange(view: ViewKind, anchor: Date): Range {
  const day = startOfDay(anchor);
  switch (view) {
    case 'month': {
      // Whole weeks, Monday to Sunday, from the week of the 1st to the week of the last day.
      const first = new Date(day.getFullYear(), day.getMonth(), 1);
      const last = new Date(day.getFullYear(), day.getMonth() + 1, 0);
      return { from: startOfWeek(first), to: addDays(startOfWeek(last), 6) };
    }
    case 'week': {
      const from = startOfWeek(day);
      return { from, to: addDays(from, 6) };
    }
    case 'day':
      return { from: day, to: day };
    case 'agenda':
      return { from: day, to: addDays(day, AGENDA_DAYS - 1) };
  }
}

/** The days of a range, in order. */
export function daysOf(range: Range): Date[] {
  const days: Date[] = [];
  for (let d = range.from; d <= range.to; d = addDays(d, 1)) days.push(d);
  return days;
}

/** The anchor of the previous (`-1`) or next (`1`) period. A month moves to the 1st, so that
 * 31 January never jumps over February. */
export function shiftAnchor(view: ViewKind, anchor: Date, step: -1 | 1): Date {
  switch (view) {
    case 'month':
      return new Date(anchor.getFullYear(), anchor.getMonth() + step, 1);
    case 'week':
      return addDays(anchor, 7 * step);
    case 'day':
      return addDays(anchor, step);
    case 'agenda':
      return addDays(anchor, AGENDA_DAYS * step);
  }
}

/** The title of the period: « mars 2027 », « semaine du 15 au 21 mars 2027 », « lundi 15 mars
 * 2027 », « du 15 mars au 13 avril 2027 ». `template` fills `{from}` and `{to}`. */
export function periodTitle(
  view: ViewKind,
  anchor: Date,
  lang: Lang,
  template: (key: MessageKey, params: { from: string; to: string }) => string,
): string {
  const loc = LOCALE[lang];
  if (view === 'month') {
    return new Intl.DateTimeFormat(loc, { month: 'long', year: 'numeric' }).format(anchor);
  }
  if (view === 'day') {
    return new Intl.DateTimeFormat(loc, { dateStyle: 'full' }).format(anchor);
  }
  const { from, to } = viewRange(view, anchor);
  const full = new Intl.DateTimeFormat(loc, { day: 'numeric', month: 'long', year: 'numeric' });
  // The start leaves out what it shares with the end: « du 15 au 21 mars 2027 ».
  const start =
    from.getFullYear() !== to.getFullYear()
      ? full.format(from)
      : from.getMonth() !== to.getMonth()
        ? new Intl.DateTimeFormat(loc, { day: 'numeric', month: 'long' }).format(from)
        : new Intl.DateTimeFormat(loc, { day: 'numeric' }).format(from);
  return template(view === 'week' ? 'cal.title.week' : 'cal.title.range', { from: start, to: full.format(to) });
}

/** « lundi 15 mars 2027 » / « Monday 15 March 2027 ». */
export function longDate(date: Date, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'full' }).format(date);
}

/** « 09:00 » in both languages (24-hour clock). */
export function shortTime(date: Date, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);
}

/** The names of the weekdays from Monday, short (« lun. ») and long (« lundi »). */
export function weekdayNames(lang: Lang): { short: string; long: string }[] {
  const monday = new Date(2027, 2, 15);
  const short = new Intl.DateTimeFormat(LOCALE[lang], { weekday: 'short' });
  const long = new Intl.DateTimeFormat(LOCALE[lang], { weekday: 'long' });
  return Array.from({ length: 7 }, (_, i) => {
    const day = addDays(monday, i);
    return { short: short.format(day), long: long.format(day) };
  });
}

/** The name of the local time zone (`Europe/Paris`), as the editor shows it. */
export function localZoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

// Occurrences ---------------------------------------------------------------------------------

/** An occurrence's times as local instants; the end is exclusive and after the start. */
export type Span = { start: Date; end: Date; allDay: boolean };

/** Reads the core's times: RFC 3339 with an offset, or `YYYY-MM-DD` days with an exclusive
 * end for all-day events. A missing or inverted end gives a day (all-day) or nothing (timed). */
export function occurrenceSpan(occurrence: Pick<DetailedOccurrence, 'start' | 'end' | 'all_day'>): Span {
  if (occurrence.all_day) {
    const start = parseIsoDate(occurrence.start.slice(0, 10)) ?? startOfDay(new Date(occurrence.start));
    const end = parseIsoDate(occurrence.end.slice(0, 10));
    return { start, end: end && end > start ? end : addDays(start, 1), allDay: true };
  }
  const start = new Date(occurrence.start);
  const end = new Date(occurrence.end);
  return { start, end: Number.isNaN(end.getTime()) || end < start ? start : end, allDay: false };
}

/** True when the span touches the day (its exclusive end at midnight does not). */
export function onDay(span: Span, day: Date): boolean {
  const next = addDays(day, 1);
  if (span.start.getTime() === span.end.getTime()) return span.start >= day && span.start < next;
  return span.start < next && span.end > day;
}

/** Events that go in the all-day row of the week and day views: all-day ones, and timed ones
 * lasting a whole day or more (they would fill a column). */
export function inAllDayRow(span: Span): boolean {
  return span.allDay || span.end.getTime() - span.start.getTime() >= 86_400_000;
}

/** A timed event's part of one day, in minutes from midnight (`end` up to 1440). */
export function minutesOn(span: Span, day: Date): { start: number; end: number } {
  const next = addDays(day, 1);
  const start = span.start <= day ? 0 : minutesOfDay(span.start);
  const end = span.end >= next ? 24 * 60 : minutesOfDay(span.end);
  return { start, end: Math.max(end, start) };
}

/** Where an all-day (or long) event sits in a row of days: its first column, how many it covers,
 * and its lane (row), the lanes filled top first. */
export type Bar<T> = { item: T; column: number; span: number; lane: number; startsBefore: boolean; endsAfter: boolean };

export function layoutBars<T>(items: readonly T[], spanOf: (item: T) => Span, days: readonly Date[]): Bar<T>[] {
  const first = days[0];
  const last = days[days.length - 1];
  if (!first || !last) return [];
  const after = addDays(last, 1);
  const placed = items
    .map((item) => ({ item, span: spanOf(item) }))
    .filter(({ span }) => span.start < after && span.end > first)
    .sort((a, b) => a.span.start.getTime() - b.span.start.getTime() || b.span.end.getTime() - a.span.end.getTime());
  const laneEnds: number[] = [];
  return placed.map(({ item, span }) => {
    const column = Math.max(0, daysBetween(first, span.start));
    // The exclusive end at midnight belongs to the day before.
    const lastDay = span.end.getTime() === startOfDay(span.end).getTime() ? addDays(span.end, -1) : span.end;
    const endColumn = Math.min(days.length - 1, daysBetween(first, lastDay));
    let lane = laneEnds.findIndex((end) => end < column);
    if (lane === -1) lane = laneEnds.length;
    laneEnds[lane] = endColumn;
    return {
      item,
      column,
      span: Math.max(1, endColumn - column + 1),
      lane,
      startsBefore: span.start < first,
      endsAfter: span.end > after,
    };
  });
}

/** A timed event's box in a day column: minutes, and its column among those it overlaps. */
export type Slot<T> = { item: T; start: number; end: number; column: number; columns: number };

/** Shortest height given to an event, so that a zero-length one can still be seen and clicked. */
export const MIN_SLOT_MINUTES = 20;

/** Lays out a day's timed events side by side: events overlapping one another (directly or
 * through others) form a group sharing its width; each takes the first free column. */
export function layoutDay<T>(items: readonly T[], minutesOf: (item: T) => { start: number; end: number }): Slot<T>[] {
  const sorted = items
    .map((item) => {
      const { start, end } = minutesOf(item);
      return { item, start, end, shown: Math.max(end, start + MIN_SLOT_MINUTES) };
    })
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const result: Slot<T>[] = [];
  let group: { slot: Slot<T>; shown: number }[] = [];
  let groupEnd = -1;
  const close = () => {
    const columns = Math.max(0, ...group.map((g) => g.slot.column)) + 1;
    for (const g of group) g.slot.columns = columns;
    group = [];
  };
  for (const entry of sorted) {
    if (entry.start >= groupEnd && group.length > 0) close();
    const taken = new Set(group.filter((g) => g.shown > entry.start).map((g) => g.slot.column));
    let column = 0;
    while (taken.has(column)) column += 1;
    const slot: Slot<T> = { item: entry.item, start: entry.start, end: entry.end, column, columns: 1 };
    group.push({ slot, shown: entry.shown });
    result.push(slot);
    groupEnd = Math.max(groupEnd, entry.shown);
  }
  if (group.length > 0) close();
  return result;
}

// Repetition ----------------------------------------------------------------------------------

export type Repeat = 'none' | 'daily' | 'weekdays' | 'weekly' | 'monthly' | 'yearly' | 'custom';

export const REPEATS: readonly Exclude<Repeat, 'custom'>[] = ['none', 'daily', 'weekdays', 'weekly', 'monthly', 'yearly'];

const WEEKDAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
const WORKING_DAYS = 'MO,TU,WE,TH,FR';

function ruleParts(rule: string): Map<string, string> | null {
  const parts = new Map<string, string>();
  for (const part of rule.trim().replace(/^RRULE:/i, '').split(';')) {
    if (part === '') continue;
    const [name, value, ...rest] = part.split('=');
    if (!name || value === undefined || rest.length > 0) return null;
    parts.set(name.trim().toUpperCase(), value.trim().toUpperCase());
  }
  return parts.has('FREQ') ? parts : null;
}

/** The preset a rule matches, for an event starting on `start`; `custom` for any other rule
 * (an end date, a count, an interval…), which the editor then keeps as it is. */
export function repeatOf(rule: string | null | undefined, start: Date): Repeat {
  if (!rule || rule.trim() === '') return 'none';
  const parts = ruleParts(rule);
  if (!parts) return 'custom';
  if (parts.get('INTERVAL') === '1') parts.delete('INTERVAL');
  const freq = parts.get('FREQ');
  parts.delete('FREQ');
  const byday = parts.get('BYDAY');
  const others = [...parts.keys()].filter((k) => k !== 'BYDAY' && k !== 'BYMONTHDAY' && k !== 'BYMONTH' && k !== 'WKST');
  if (others.length > 0) return 'custom';
  const only = (...allowed: string[]) => [...parts.keys()].every((k) => allowed.includes(k));
  switch (freq) {
    case 'DAILY':
      return parts.size === 0 ? 'daily' : 'custom';
    case 'WEEKLY': {
      if (!only('BYDAY', 'WKST')) return 'custom';
      if (byday === undefined || byday === WEEKDAY_CODES[start.getDay()]) return 'weekly';
      const days = byday.split(',').sort().join(',');
      return days === WORKING_DAYS.split(',').sort().join(',') ? 'weekdays' : 'custom';
    }
    case 'MONTHLY': {
      const monthDay = parts.get('BYMONTHDAY');
      return only('BYMONTHDAY') && (monthDay === undefined || Number(monthDay) === start.getDate()) ? 'monthly' : 'custom';
    }
    case 'YEARLY':
      return parts.size === 0 ? 'yearly' : 'custom';
    default:
      return 'custom';
  }
}

/** The rule for a preset. `existing` is returned unchanged when it already means the preset
 * (or for `custom`), so that opening and saving an event never rewrites its rule. */
export function ruleOf(repeat: Repeat, start: Date, existing: string | null = null): string | null {
  if (repeat === 'custom') return existing && existing.trim() !== '' ? existing : null;
  if (existing && repeatOf(existing, start) === repeat) return existing;
  switch (repeat) {
    case 'none':
      return null;
    case 'daily':
      return 'FREQ=DAILY';
    case 'weekdays':
      return `FREQ=WEEKLY;BYDAY=${WORKING_DAYS}`;
    case 'weekly':
      return `FREQ=WEEKLY;BYDAY=${WEEKDAY_CODES[start.getDay()]}`;
    case 'monthly':
      return 'FREQ=MONTHLY';
    case 'yearly':
      return 'FREQ=YEARLY';
  }
}

// Reminders -----------------------------------------------------------------------------------

export type Reminder = 'none' | 'start' | '5m' | '15m' | '30m' | '1h' | '1d' | 'custom';

export const REMINDERS: readonly Exclude<Reminder, 'custom'>[] = ['none', 'start', '5m', '15m', '30m', '1h', '1d'];

const REMINDER_DURATIONS: Record<Exclude<Reminder, 'none' | 'custom'>, string> = {
  start: 'PT0S',
  '5m': '-PT5M',
  '15m': '-PT15M',
  '30m': '-PT30M',
  '1h': '-PT1H',
  '1d': '-P1D',
};

/** Seconds of an RFC 5545 duration (`-PT15M` → -900); `null` when it is not one. */
export function durationSeconds(text: string): number | null {
  const match = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text.trim().toUpperCase());
  if (!match || /^[+-]?PT?$/.test(text.trim().toUpperCase())) return null;
  const [, sign, w, d, h, m, s] = match;
  const total =
    Number(w ?? 0) * 604_800 + Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3_600 + Number(m ?? 0) * 60 + Number(s ?? 0);
  return sign === '-' ? -total : total;
}

/** The preset of an alarm duration; `custom` for any other, kept as it is. */
export function reminderOf(alarm: string | null | undefined): Reminder {
  if (!alarm || alarm.trim() === '') return 'none';
  const seconds = durationSeconds(alarm);
  if (seconds === null) return 'custom';
  for (const [preset, duration] of Object.entries(REMINDER_DURATIONS)) {
    if (durationSeconds(duration) === seconds) return preset as Reminder;
  }
  return 'custom';
}

/** The duration of a preset (`existing` kept for `custom`, or when it means the same). */
export function alarmOf(reminder: Reminder, existing: string | null = null): string | null {
  if (reminder === 'custom') return existing && existing.trim() !== '' ? existing : null;
  if (reminder === 'none') return null;
  if (existing && reminderOf(existing) === reminder) return existing;
  return REMINDER_DURATIONS[reminder];
}

// The editor's form ---------------------------------------------------------------------------

export type EventForm = {
  summary: string;
  allDay: boolean;
  /** `YYYY-MM-DD` and `HH:MM`, local; for all-day events the end day is the last one shown. */
  startDate: string;
  startTime: string;
  endDate: string;
  endTime: string;
  repeat: Repeat;
  location: string;
  description: string;
  /** Addresses as typed: separated by commas, semicolons or lines. */
  attendees: string;
  reminder: Reminder;
};

/** What the form started from, kept so that unknown rules and alarms survive a save. */
export type FormOrigin = { rrule: string | null; alarm: string | null };

/** The local instant of a wall-clock date and time. In the hour skipped in spring (02:30 on
 * 28 March 2027 in Paris) the Date moves it forward, as clocks do. */
export function localDateTime(date: string, time: string): Date | null {
  const day = parseIsoDate(date);
  const match = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!day || !match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours > 23 || minutes > 59) return null;
  return new Date(day.getFullYear(), day.getMonth(), day.getDate(), hours, minutes);
}

/** RFC 3339 with the offset the local zone has at that instant (`2027-03-15T09:00:00+01:00`). */
export function rfc3339(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${isoDate(date)}T${hhmm(date)}:${pad(date.getSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The addresses of the participants field; `invalid` holds what is not an address. */
export function parseAttendees(text: string): { emails: string[]; invalid: string[] } {
  const emails: string[] = [];
  const invalid: string[] = [];
  for (const raw of text.split(/[,;\n]+/)) {
    const entry = raw.trim();
    if (entry === '') continue;
    // « Marie Dupont <marie@exemple.fr> » as well as the bare address.
    const email = (/<([^<>]*)>\s*$/.exec(entry)?.[1] ?? entry).trim().replace(/^mailto:/i, '');
    if (/^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;.]+$/.test(email)) {
      if (!emails.some((e) => e.toLowerCase() === email.toLowerCase())) emails.push(email);
    } else invalid.push(entry);
  }
  return { emails, invalid };
}

export type FormErrors = Partial<Record<'summary' | 'start' | 'end' | 'attendees', MessageKey>>;

/** What stops the form from being saved, by field. */
export function validateForm(form: EventForm): FormErrors {
  const errors: FormErrors = {};
  if (form.summary.trim() === '') errors.summary = 'cal.error.summary';
  if (form.allDay) {
    const start = parseIsoDate(form.startDate);
    const end = parseIsoDate(form.endDate);
    if (!start) errors.start = 'cal.error.date';
    else if (!end) errors.end = 'cal.error.date';
    else if (end < start) errors.end = 'cal.error.endBeforeStart';
  } else {
    const start = localDateTime(form.startDate, form.startTime);
    const end = localDateTime(form.endDate, form.endTime);
    if (!start) errors.start = 'cal.error.date';
    else if (!end) errors.end = 'cal.error.date';
    else if (end <= start) errors.end = 'cal.error.endBeforeStart';
  }
  if (parseAttendees(form.attendees).invalid.length > 0) errors.attendees = 'cal.error.attendees';
  return errors;
}

/** The form moved by whole days (to write a series from one of its occurrences). */
export function shiftForm(form: EventForm, days: number): EventForm {
  if (days === 0) return form;
  const move = (text: string) => {
    const day = parseIsoDate(text);
    return day ? isoDate(addDays(day, days)) : text;
  };
  return { ...form, startDate: move(form.startDate), endDate: move(form.endDate) };
}

/** The `EventInput` of a valid form (see `validateForm`). Empty fields are sent as `null`: the
 * core applies the form whole, so they remove what the event held. */
export function eventInput(form: EventForm, origin: FormOrigin = { rrule: null, alarm: null }): EventInput {
  let start: string;
  let end: string;
  let startDay: Date;
  if (form.allDay) {
    startDay = parseIsoDate(form.startDate) ?? new Date(NaN);
    const last = parseIsoDate(form.endDate) ?? startDay;
    start = form.startDate;
    // iCalendar's end is exclusive: the day after the last one.
    end = isoDate(addDays(last < startDay ? startDay : last, 1));
  } else {
    const from = localDateTime(form.startDate, form.startTime) ?? new Date(NaN);
    const to = localDateTime(form.endDate, form.endTime) ?? from;
    startDay = from;
    start = rfc3339(from);
    end = rfc3339(to);
  }
  const text = (value: string) => (value.trim() === '' ? null : value.trim());
  return {
    summary: form.summary.trim(),
    start,
    end,
    all_day: form.allDay,
    location: text(form.location),
    description: form.description.trim() === '' ? null : form.description,
    rrule: ruleOf(form.repeat, startDay, origin.rrule),
    attendees: parseAttendees(form.attendees).emails,
    alarm: alarmOf(form.reminder, origin.alarm),
  };
}

/** The form of an occurrence, as the editor opens it. */
export function formOf(occurrence: DetailedOccurrence): EventForm {
  const span = occurrenceSpan(occurrence);
  const lastDay = span.allDay ? addDays(span.end, -1) : span.end;
  return {
    summary: occurrence.summary ?? '',
    allDay: span.allDay,
    startDate: isoDate(span.start),
    startTime: span.allDay ? '09:00' : hhmm(span.start),
    endDate: isoDate(lastDay < span.start ? span.start : lastDay),
    endTime: span.allDay ? '10:00' : hhmm(span.end),
    repeat: repeatOf(occurrence.rrule, span.start),
    location: occurrence.location ?? '',
    description: occurrence.description ?? '',
    attendees: occurrence.attendees.join(', '),
    reminder: reminderOf(occurrence.alarm),
  };
}

/** A new event's form on `day`: at `minutes` when given, else the next full hour when it is
 * today, else 09:00; one hour long. */
export function newForm(day: Date, now: Date, minutes: number | null = null): EventForm {
  let start = new Date(day.getFullYear(), day.getMonth(), day.getDate(), 9, 0);
  if (minutes !== null) {
    start = new Date(day.getFullYear(), day.getMonth(), day.getDate(), 0, minutes);
  } else if (sameDay(day, now)) {
    start = new Date(now.getFullYear(), now.getMonth(), now.getDate(), now.getHours() + 1, 0);
    // Late in the evening the next hour is tomorrow: keep the event on the day asked.
    if (!sameDay(start, day)) start = new Date(day.getFullYear(), day.getMonth(), day.getDate(), 23, 0);
  }
  const end = new Date(start.getTime() + 60 * 60_000);
  return {
    summary: '',
    allDay: false,
    startDate: isoDate(start),
    startTime: hhmm(start),
    endDate: isoDate(end),
    endTime: hhmm(end),
    repeat: 'none',
    location: '',
    description: '',
    attendees: '',
    reminder: '15m',
  };
}

/** Moves the end with the start, keeping the duration, when the user changes the start. */
export function keepDuration(before: EventForm, after: EventForm): EventForm {
  if (before.allDay !== after.allDay) return after;
  if (after.allDay) {
    const oldStart = parseIsoDate(before.startDate);
    const newStart = parseIsoDate(after.startDate);
    const oldEnd = parseIsoDate(before.endDate);
    if (!oldStart || !newStart || !oldEnd) return after;
    return { ...after, endDate: isoDate(addDays(newStart, daysBetween(oldStart, oldEnd))) };
  }
  const oldStart = localDateTime(before.startDate, before.startTime);
  const newStart = localDateTime(after.startDate, after.startTime);
  const oldEnd = localDateTime(before.endDate, before.endTime);
  if (!oldStart || !newStart || !oldEnd) return after;
  const end = new Date(newStart.getTime() + Math.max(0, oldEnd.getTime() - oldStart.getTime()));
  return { ...after, endDate: isoDate(end), endTime: hhmm(end) };
}

// Calendars -----------------------------------------------------------------------------------

/** Colours for calendars the server gives none; picked by a hash of the calendar, so that
 * each keeps its own from one start to the next. */
export const PALETTE = ['#1f6fd1', '#2e8540', '#c2410c', '#8e44ad', '#b7791f', '#0f766e', '#be185d', '#4f5b93'];

/** A calendar's key, unique across accounts. */
export function calendarKey(account: string, id: string): string {
  return `${account}\n${id}`;
}

/** The calendar's colour as CSS: the server's (`#RRGGBB`, or `#RRGGBBAA` as Apple writes it),
 * else one of the palette. */
export function calendarColor(color: string | null, key: string): string {
  const hex = color?.trim() ?? '';
  if (/^#[0-9a-f]{6}([0-9a-f]{2})?$/i.test(hex)) return hex.slice(0, 7).toLowerCase();
  if (/^#[0-9a-f]{3}$/i.test(hex)) return hex.toLowerCase();
  let hash = 0;
  for (const char of key) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return PALETTE[hash % PALETTE.length] ?? '#1f6fd1';
}

// What the views show -------------------------------------------------------------------------

/** A calendar of one of the accounts, with the colour it is drawn in. */
export type CalendarEntry = {
  key: string;
  account: string;
  id: string;
  name: string;
  owner: string | null;
  shared: boolean;
  writable: boolean;
  color: string;
};

/** An occurrence as the views place it. */
export type CalItem = {
  /** Unique among the items shown (the same event in two calendars stays two items). */
  key: string;
  calendar: CalendarEntry;
  occurrence: DetailedOccurrence;
  span: Span;
};

export function calItem(calendar: CalendarEntry, occurrence: DetailedOccurrence): CalItem {
  return {
    key: `${calendar.key}\n${occurrence.uid}\n${occurrence.recurrence_id ?? occurrence.start}`,
    calendar,
    occurrence: { ...occurrence, calendar: calendar.id },
    span: occurrenceSpan(occurrence),
  };
}

/** Items in the order a day lists them: all-day and long ones first, then by start. */
export function byStart(a: CalItem, b: CalItem): number {
  const longA = inAllDayRow(a.span) ? 0 : 1;
  const longB = inAllDayRow(b.span) ? 0 : 1;
  return (
    longA - longB ||
    a.span.start.getTime() - b.span.start.getTime() ||
    b.span.end.getTime() - a.span.end.getTime() ||
    (a.occurrence.summary ?? '').localeCompare(b.occurrence.summary ?? '')
  );
}

/** When an item happens, said in full for screen readers and titles: « Journée entière »,
 * « 09:00 – 10:00 », or with the dates when it spans several days. */
export function whenLabel(span: Span, lang: Lang, allDay: string): string {
  const lastDay = span.allDay ? addDays(span.end, -1) : span.end;
  const dateFormat = new Intl.DateTimeFormat(LOCALE[lang], { weekday: 'long', day: 'numeric', month: 'long' });
  if (span.allDay) {
    return sameDay(span.start, lastDay)
      ? allDay
      : `${allDay}, ${dateFormat.format(span.start)} – ${dateFormat.format(lastDay)}`;
  }
  if (sameDay(span.start, span.end) || span.end.getTime() === addDays(span.start, 1).getTime()) {
    return `${shortTime(span.start, lang)} – ${shortTime(span.end, lang)}`;
  }
  return `${dateFormat.format(span.start)} ${shortTime(span.start, lang)} – ${dateFormat.format(span.end)} ${shortTime(span.end, lang)}`;
}
