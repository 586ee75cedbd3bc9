import { describe, expect, it } from 'vitest';
import { invitationKind, invitationWhen } from './invitation';

describe('invitationWhen', () => {
  it('writes a timed event on one day with its two times, in the local zone', () => {
    expect(
      invitationWhen({ start: '2027-03-15T09:00:00+01:00', end: '2027-03-15T10:30:00+01:00', all_day: false }, 'fr', 'journée entière'),
    ).toBe('lundi 15 mars 2027, 09:00 – 10:30');
  });

  it('converts another offset to the local time', () => {
    expect(invitationWhen({ start: '2027-03-15T08:00:00Z', end: null, all_day: false }, 'fr', 'x')).toBe(
      'lundi 15 mars 2027, 09:00',
    );
  });

  it('shows a one-day all-day event without time (the end is exclusive)', () => {
    expect(invitationWhen({ start: '2027-03-15', end: '2027-03-16', all_day: true }, 'fr', 'journée entière')).toBe(
      'lundi 15 mars 2027 (journée entière)',
    );
  });

  it('shows an all-day event over several days as a span ending the day before its end', () => {
    expect(invitationWhen({ start: '2027-03-15', end: '2027-03-18', all_day: true }, 'fr', 'x')).toBe(
      'lundi 15 mars 2027 – mercredi 17 mars 2027',
    );
  });

  it('gives nothing for a missing or unreadable start', () => {
    expect(invitationWhen({ start: null, end: null, all_day: false }, 'fr', 'x')).toBeNull();
    expect(invitationWhen({ start: 'demain', end: null, all_day: false }, 'fr', 'x')).toBeNull();
  });
});

describe('invitationKind', () => {
  it('reads the method whatever its case', () => {
    expect(invitationKind('REQUEST')).toBe('request');
    expect(invitationKind('cancel')).toBe('cancel');
    expect(invitationKind('REPLY')).toBe('reply');
    expect(invitationKind('PUBLISH')).toBe('other');
  });
});
