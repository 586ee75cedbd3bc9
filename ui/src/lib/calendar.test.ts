import { describe, expect, it } from 'vitest';
import {
  addDays,
  alarmOf,
  calendarColor,
  daysOf,
  eventInput,
  formOf,
  isoDate,
  isoWeek,
  keepDuration,
  layoutBars,
  layoutDay,
  localDateTime,
  minutesOn,
  newForm,
  occurrenceSpan,
  onDay,
  parseAttendees,
  periodTitle,
  reminderOf,
  repeatOf,
  rfc3339,
  ruleOf,
  shiftAnchor,
  shiftForm,
  shortTime,
  longDate,
  validateForm,
  viewRange,
  type EventForm,
  type Span,
} from './calendar';
import type { DetailedOccurrence } from './bindings/DetailedOccurrence';
import { catalogues, interpolate, type MessageKey } from './i18n';

const day = (y: number, m: number, d: number) => new Date(y, m - 1, d);
const iso = (r: { from: Date; to: Date }) => [isoDate(r.from), isoDate(r.to)];
const fr = (key: MessageKey, params: { from: string; to: string }) => interpolate(catalogues.fr[key], params);
const en = (key: MessageKey, params: { from: string; to: string }) => interpolate(catalogues.en[key], params);

function occurrence(partial: Partial<DetailedOccurrence>): DetailedOccurrence {
  return {
    uid: 'u1',
    calendar: 'agent/calendar',
    summary: 'Conseil municipal',
    start: '2027-03-15T09:00:00+01:00',
    end: '2027-03-15T10:00:00+01:00',
    all_day: false,
    location: null,
    recurrence_id: null,
    organizer: null,
    attendees: [],
    description: null,
    categories: [],
    rrule: null,
    alarm: null,
    ...partial,
  };
}

function form(partial: Partial<EventForm>): EventForm {
  return { ...newForm(day(2027, 3, 15), day(2027, 1, 1)), summary: 'Réunion', ...partial };
}

describe('the test zone', () => {
  it('is Europe/Paris, with its clock changes', () => {
    expect(new Date(2027, 0, 15).getTimezoneOffset()).toBe(-60);
    expect(new Date(2027, 6, 15).getTimezoneOffset()).toBe(-120);
  });
});

describe('view ranges', () => {
  it('shows whole weeks from Monday for a month', () => {
    // March 2027 starts on a Monday and ends on a Wednesday.
    expect(iso(viewRange('month', day(2027, 3, 15)))).toEqual(['2027-03-01', '2027-04-04']);
    // February 2027: Monday 1st to Sunday 28th, exactly four weeks.
    expect(iso(viewRange('month', day(2027, 2, 10)))).toEqual(['2027-02-01', '2027-02-28']);
    // August 2027 starts on a Sunday: six rows.
    const august = viewRange('month', day(2027, 8, 31));
    expect(iso(august)).toEqual(['2027-07-26', '2027-09-05']);
    expect(daysOf(august)).toHaveLength(42);
  });

  it('counts days, not hours, across the clock changes', () => {
    const march = daysOf(viewRange('week', day(2027, 3, 28)));
    expect(march.map(isoDate)).toEqual([
      '2027-03-22',
      '2027-03-23',
      '2027-03-24',
      '2027-03-25',
      '2027-03-26',
      '2027-03-27',
      '2027-03-28',
    ]);
    expect(march.every((d) => d.getHours() === 0)).toBe(true);
    const october = viewRange('week', day(2027, 10, 31));
    expect(iso(october)).toEqual(['2027-10-25', '2027-10-31']);
    expect(isoDate(addDays(day(2027, 10, 31), 1))).toBe('2027-11-01');
    expect(iso(viewRange('day', new Date(2027, 2, 28, 15, 30)))).toEqual(['2027-03-28', '2027-03-28']);
    expect(iso(viewRange('agenda', day(2027, 3, 15)))).toEqual(['2027-03-15', '2027-04-13']);
  });

  it('moves by period, a month to the 1st of the next', () => {
    expect(isoDate(shiftAnchor('month', day(2027, 1, 31), 1))).toBe('2027-02-01');
    expect(isoDate(shiftAnchor('month', day(2027, 1, 15), -1))).toBe('2026-12-01');
    expect(isoDate(shiftAnchor('week', day(2027, 3, 25), 1))).toBe('2027-04-01');
    expect(isoDate(shiftAnchor('day', day(2027, 10, 31), -1))).toBe('2027-10-30');
    expect(isoDate(shiftAnchor('agenda', day(2027, 3, 15), 1))).toBe('2027-04-14');
  });

  it('numbers ISO weeks', () => {
    expect(isoWeek(day(2027, 1, 1))).toBe(53);
    expect(isoWeek(day(2027, 1, 4))).toBe(1);
    expect(isoWeek(day(2027, 3, 15))).toBe(11);
    expect(isoWeek(day(2026, 12, 31))).toBe(53);
  });

  it('titles the period the French way', () => {
    expect(periodTitle('month', day(2027, 3, 15), 'fr', fr)).toBe('mars 2027');
    expect(periodTitle('week', day(2027, 3, 17), 'fr', fr)).toBe('semaine du 15 au 21 mars 2027');
    expect(periodTitle('week', day(2027, 3, 31), 'fr', fr)).toBe('semaine du 29 mars au 4 avril 2027');
    expect(periodTitle('week', day(2027, 12, 29), 'fr', fr)).toBe('semaine du 27 décembre 2027 au 2 janvier 2028');
    expect(periodTitle('day', day(2027, 3, 15), 'fr', fr)).toBe('lundi 15 mars 2027');
    expect(periodTitle('agenda', day(2027, 3, 15), 'fr', fr)).toBe('du 15 mars au 13 avril 2027');
    expect(periodTitle('month', day(2027, 3, 15), 'en', en)).toBe('March 2027');
    expect(periodTitle('day', day(2027, 3, 15), 'en', en)).toBe('Monday, 15 March 2027');
  });

  it('writes dates and times the local way', () => {
    expect(longDate(day(2027, 3, 15), 'fr')).toBe('lundi 15 mars 2027');
    expect(shortTime(new Date(2027, 2, 15, 9, 0), 'fr')).toBe('09:00');
    expect(shortTime(new Date(2027, 2, 15, 14, 5), 'en')).toBe('14:05');
  });
});

describe('occurrences', () => {
  it('reads timed and all-day times', () => {
    const timed = occurrenceSpan(occurrence({}));
    expect(timed.start).toEqual(new Date(2027, 2, 15, 9, 0));
    expect(timed.end).toEqual(new Date(2027, 2, 15, 10, 0));
    const allDay = occurrenceSpan(occurrence({ start: '2027-03-15', end: '2027-03-17', all_day: true }));
    expect(allDay).toEqual({ start: day(2027, 3, 15), end: day(2027, 3, 17), allDay: true });
    expect(onDay(allDay, day(2027, 3, 16))).toBe(true);
    expect(onDay(allDay, day(2027, 3, 17))).toBe(false);
    // An end equal to the start still makes a day.
    expect(occurrenceSpan(occurrence({ start: '2027-03-15', end: '2027-03-15', all_day: true })).end).toEqual(
      day(2027, 3, 16),
    );
  });

  it('clips a night-crossing event to each day', () => {
    const span = occurrenceSpan(occurrence({ start: '2027-03-15T22:00:00+01:00', end: '2027-03-16T02:00:00+01:00' }));
    expect(minutesOn(span, day(2027, 3, 15))).toEqual({ start: 22 * 60, end: 24 * 60 });
    expect(minutesOn(span, day(2027, 3, 16))).toEqual({ start: 0, end: 120 });
  });

  it('places all-day events in lanes across the week', () => {
    const spans: Span[] = [
      { start: day(2027, 3, 13), end: day(2027, 3, 17), allDay: true }, // Sat → Tue
      { start: day(2027, 3, 16), end: day(2027, 3, 17), allDay: true }, // Tue
      { start: day(2027, 3, 17), end: day(2027, 3, 24), allDay: true }, // Wed → next Tue
      { start: day(2027, 3, 15), end: day(2027, 3, 16), allDay: true }, // Mon
    ];
    const week = daysOf(viewRange('week', day(2027, 3, 15)));
    const bars = layoutBars(spans, (s) => s, week);
    const byIndex = (i: number) => bars.find((b) => b.item === spans[i]);
    expect(byIndex(0)).toMatchObject({ column: 0, span: 2, lane: 0, startsBefore: true, endsAfter: false });
    expect(byIndex(3)).toMatchObject({ column: 0, span: 1, lane: 1 });
    expect(byIndex(1)).toMatchObject({ column: 1, span: 1, lane: 1 });
    expect(byIndex(2)).toMatchObject({ column: 2, span: 5, lane: 0, endsAfter: true });
  });

  it('lays out overlapping timed events in columns', () => {
    const items = [
      { id: 'a', start: 540, end: 600 }, // 09:00–10:00
      { id: 'b', start: 570, end: 660 }, // 09:30–11:00
      { id: 'c', start: 600, end: 630 }, // 10:00–10:30, beside b, in a's freed column
      { id: 'd', start: 720, end: 780 }, // 12:00–13:00, alone
      { id: 'e', start: 780, end: 780 }, // 13:00, zero length: shown 20 min, alone
    ];
    const slots = layoutDay(items, (i) => i);
    const of = (id: string) => slots.find((s) => s.item.id === id);
    expect(of('a')).toMatchObject({ column: 0, columns: 2 });
    expect(of('b')).toMatchObject({ column: 1, columns: 2 });
    expect(of('c')).toMatchObject({ column: 0, columns: 2 });
    expect(of('d')).toMatchObject({ column: 0, columns: 1 });
    expect(of('e')).toMatchObject({ column: 0, columns: 1 });
    const same = layoutDay([{ start: 0, end: 60 }, { start: 0, end: 60 }, { start: 0, end: 60 }], (i) => i);
    expect(same.map((s) => [s.column, s.columns])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
  });
});

describe('repetition presets', () => {
  const monday = day(2027, 3, 15);
  it('recognises the presets', () => {
    expect(repeatOf(null, monday)).toBe('none');
    expect(repeatOf('FREQ=DAILY', monday)).toBe('daily');
    expect(repeatOf('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', monday)).toBe('weekdays');
    expect(repeatOf('BYDAY=FR,TH,WE,TU,MO;FREQ=WEEKLY', monday)).toBe('weekdays');
    expect(repeatOf('FREQ=WEEKLY;BYDAY=MO', monday)).toBe('weekly');
    expect(repeatOf('FREQ=WEEKLY', monday)).toBe('weekly');
    expect(repeatOf('FREQ=MONTHLY', monday)).toBe('monthly');
    expect(repeatOf('FREQ=MONTHLY;BYMONTHDAY=15', monday)).toBe('monthly');
    expect(repeatOf('FREQ=YEARLY;INTERVAL=1', monday)).toBe('yearly');
  });

  it('calls any other rule custom', () => {
    expect(repeatOf('FREQ=WEEKLY;BYDAY=TU', monday)).toBe('custom');
    expect(repeatOf('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO', monday)).toBe('custom');
    expect(repeatOf('FREQ=DAILY;COUNT=5', monday)).toBe('custom');
    expect(repeatOf('FREQ=MONTHLY;BYDAY=3MO', monday)).toBe('custom');
    expect(repeatOf('nonsense', monday)).toBe('custom');
  });

  it('writes the rules, keeping an existing one that means the same', () => {
    expect(ruleOf('none', monday)).toBeNull();
    expect(ruleOf('weekdays', monday)).toBe('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR');
    expect(ruleOf('weekly', day(2027, 3, 17))).toBe('FREQ=WEEKLY;BYDAY=WE');
    expect(ruleOf('monthly', monday)).toBe('FREQ=MONTHLY');
    expect(ruleOf('yearly', monday)).toBe('FREQ=YEARLY');
    expect(ruleOf('weekly', monday, 'FREQ=WEEKLY')).toBe('FREQ=WEEKLY');
    expect(ruleOf('custom', monday, 'FREQ=DAILY;COUNT=5')).toBe('FREQ=DAILY;COUNT=5');
    expect(ruleOf('daily', monday, 'FREQ=DAILY;COUNT=5')).toBe('FREQ=DAILY');
  });
});

describe('reminder presets', () => {
  it('maps durations both ways', () => {
    expect(reminderOf(null)).toBe('none');
    expect(reminderOf('PT0S')).toBe('start');
    expect(reminderOf('-PT0S')).toBe('start');
    expect(reminderOf('-PT15M')).toBe('15m');
    expect(reminderOf('-PT60M')).toBe('1h');
    expect(reminderOf('-P1D')).toBe('1d');
    expect(reminderOf('-PT24H')).toBe('1d');
    expect(reminderOf('-PT10M')).toBe('custom');
    expect(reminderOf('PT15M')).toBe('custom');
    expect(alarmOf('none')).toBeNull();
    expect(alarmOf('start')).toBe('PT0S');
    expect(alarmOf('5m')).toBe('-PT5M');
    expect(alarmOf('1h', '-PT60M')).toBe('-PT60M');
    expect(alarmOf('custom', '-PT10M')).toBe('-PT10M');
  });
});

describe('the editor form', () => {
  it('writes local times with the offset of their date', () => {
    expect(rfc3339(localDateTime('2027-03-15', '09:00')!)).toBe('2027-03-15T09:00:00+01:00');
    // Paris moves to summer time at 02:00 on 28 March 2027, back at 03:00 on 31 October.
    expect(rfc3339(localDateTime('2027-03-28', '01:30')!)).toBe('2027-03-28T01:30:00+01:00');
    expect(rfc3339(localDateTime('2027-03-28', '09:00')!)).toBe('2027-03-28T09:00:00+02:00');
    // 02:30 does not exist that night: the clock shows 03:30 summer time.
    expect(rfc3339(localDateTime('2027-03-28', '02:30')!)).toBe('2027-03-28T03:30:00+02:00');
    expect(rfc3339(localDateTime('2027-10-31', '09:00')!)).toBe('2027-10-31T09:00:00+01:00');
    expect(rfc3339(localDateTime('2027-10-30', '23:00')!)).toBe('2027-10-30T23:00:00+02:00');
    expect(localDateTime('2027-02-30', '09:00')).toBeNull();
    expect(localDateTime('2027-03-15', '24:00')).toBeNull();
  });

  it('builds a timed EventInput', () => {
    const input = eventInput(
      form({
        summary: '  Conseil  ',
        startDate: '2027-03-27',
        startTime: '18:00',
        endDate: '2027-03-28',
        endTime: '10:00',
        repeat: 'weekly',
        location: 'Salle du conseil',
        attendees: 'maire@exemple.fr, Marie <marie@exemple.fr>\nmaire@exemple.fr',
        reminder: '30m',
      }),
    );
    expect(input).toEqual({
      summary: 'Conseil',
      start: '2027-03-27T18:00:00+01:00',
      end: '2027-03-28T10:00:00+02:00',
      all_day: false,
      location: 'Salle du conseil',
      description: null,
      rrule: 'FREQ=WEEKLY;BYDAY=SA',
      attendees: ['maire@exemple.fr', 'marie@exemple.fr'],
      alarm: '-PT30M',
    });
  });

  it('builds an all-day EventInput with dates only and an exclusive end', () => {
    const one = eventInput(form({ allDay: true, startDate: '2027-10-31', endDate: '2027-10-31' }));
    expect(one).toMatchObject({ start: '2027-10-31', end: '2027-11-01', all_day: true });
    const three = eventInput(form({ allDay: true, startDate: '2027-03-27', endDate: '2027-03-29', reminder: 'none' }));
    expect(three).toMatchObject({ start: '2027-03-27', end: '2027-03-30', alarm: null });
  });

  it('keeps a custom rule and alarm it does not know', () => {
    const origin = { rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO', alarm: '-PT10M' };
    const f = formOf(occurrence({ rrule: origin.rrule, alarm: origin.alarm }));
    expect(f.repeat).toBe('custom');
    expect(f.reminder).toBe('custom');
    expect(eventInput(f, origin)).toMatchObject({ rrule: origin.rrule, alarm: origin.alarm });
  });

  it('opens an occurrence in the form, the last day of an all-day event included', () => {
    expect(formOf(occurrence({ location: 'Mairie', attendees: ['a@exemple.fr', 'b@exemple.fr'] }))).toMatchObject({
      summary: 'Conseil municipal',
      allDay: false,
      startDate: '2027-03-15',
      startTime: '09:00',
      endDate: '2027-03-15',
      endTime: '10:00',
      location: 'Mairie',
      attendees: 'a@exemple.fr, b@exemple.fr',
      repeat: 'none',
      reminder: 'none',
    });
    expect(formOf(occurrence({ start: '2027-03-15', end: '2027-03-17', all_day: true }))).toMatchObject({
      allDay: true,
      startDate: '2027-03-15',
      endDate: '2027-03-16',
    });
  });

  it('validates', () => {
    expect(validateForm(form({}))).toEqual({});
    expect(validateForm(form({ summary: ' ' }))).toEqual({ summary: 'cal.error.summary' });
    expect(validateForm(form({ startTime: '10:00', endTime: '10:00' }))).toEqual({ end: 'cal.error.endBeforeStart' });
    expect(validateForm(form({ endDate: '2027-03-14' }))).toEqual({ end: 'cal.error.endBeforeStart' });
    expect(validateForm(form({ allDay: true, startDate: '2027-03-15', endDate: '2027-03-15' }))).toEqual({});
    expect(validateForm(form({ startTime: '' }))).toEqual({ start: 'cal.error.date' });
    expect(validateForm(form({ attendees: 'maire@exemple.fr, pas une adresse' }))).toEqual({
      attendees: 'cal.error.attendees',
    });
    expect(parseAttendees('a@b.fr; ; x@y').invalid).toEqual(['x@y']);
  });

  it('starts a new event at the next hour today, else at 09:00', () => {
    expect(newForm(day(2027, 3, 15), new Date(2027, 2, 15, 14, 20))).toMatchObject({
      startDate: '2027-03-15',
      startTime: '15:00',
      endTime: '16:00',
    });
    expect(newForm(day(2027, 3, 16), new Date(2027, 2, 15, 14, 20))).toMatchObject({ startTime: '09:00' });
    // A time picked in the week view; the hour after 02:00 on 28 March 2027 does not exist.
    expect(newForm(day(2027, 3, 28), new Date(2027, 2, 15, 14, 20), 90)).toMatchObject({
      startTime: '01:30',
      endTime: '03:30',
    });
    expect(newForm(day(2027, 3, 15), new Date(2027, 2, 15, 23, 20))).toMatchObject({
      startDate: '2027-03-15',
      startTime: '23:00',
      endDate: '2027-03-16',
      endTime: '00:00',
    });
  });

  it('moves the end with the start, and shifts whole days', () => {
    const before = form({ startTime: '09:00', endTime: '10:30' });
    expect(keepDuration(before, { ...before, startTime: '14:00' })).toMatchObject({ endTime: '15:30' });
    expect(shiftForm(before, -7)).toMatchObject({ startDate: '2027-03-08', endDate: '2027-03-08' });
  });
});

describe('calendar colours', () => {
  it('uses the server colour, else a stable one of the palette', () => {
    expect(calendarColor('#FF8800FF', 'k')).toBe('#ff8800');
    expect(calendarColor('#abc', 'k')).toBe('#abc');
    const a = calendarColor(null, 'agent@exemple.fr\nagent/calendar');
    expect(a).toMatch(/^#[0-9a-f]{6}$/);
    expect(calendarColor('rouge', 'agent@exemple.fr\nagent/calendar')).toBe(a);
  });
});
