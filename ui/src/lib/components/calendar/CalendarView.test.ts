import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import CalendarView from './CalendarView.svelte';
import type { AccountSummary } from '../../bindings/AccountSummary';
import type { Calendar } from '../../bindings/Calendar';
import type { DetailedOccurrence } from '../../bindings/DetailedOccurrence';
import { lang } from '../../i18n';
import { ACCOUNT } from '../../testing/fixtures';

const internals = window as unknown as Record<string, unknown>;
// Monday 15 March 2027, 10:00 in Paris.
const NOW = new Date(2027, 2, 15, 10, 0);
const OTHER = 'accueil@mairie-exemple.fr';

function account(email: string): AccountSummary {
  return { email, name: null, login: email, imap: 'imap.exemple.fr', smtp: null, caldav: 'dav.exemple.fr' };
}

const CALENDARS: Record<string, Calendar[]> = {
  [ACCOUNT]: [
    { id: 'agent/calendar', name: 'Agenda', owner: 'agent', shared: false, writable: true, color: '#2E8540FF' },
    { id: 'elus/calendar', name: 'Élus', owner: 'elus@mairie-exemple.fr', shared: true, writable: false, color: null },
  ],
  [OTHER]: [{ id: 'accueil/calendar', name: 'Accueil', owner: 'accueil', shared: false, writable: true, color: null }],
};

function occurrence(partial: Partial<DetailedOccurrence>): DetailedOccurrence {
  return {
    uid: 'u1',
    calendar: '',
    summary: 'Conseil municipal',
    start: '2027-03-15T18:00:00+01:00',
    end: '2027-03-15T20:00:00+01:00',
    all_day: false,
    location: 'Salle du conseil',
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

const EVENTS: Record<string, DetailedOccurrence[]> = {
  'agent/calendar': [
    occurrence({}),
    occurrence({ uid: 'u2', summary: 'Marché de printemps', start: '2027-03-20', end: '2027-03-22', all_day: true }),
  ],
  'elus/calendar': [occurrence({ uid: 'u3', summary: 'Commission urbanisme', start: '2027-03-16T09:00:00+01:00', end: '2027-03-16T10:00:00+01:00' })],
  'accueil/calendar': [occurrence({ uid: 'u4', summary: 'Permanence', start: '2027-04-02T14:00:00+02:00', end: '2027-04-02T16:00:00+02:00' })],
};

function serve(): void {
  invoke.mockImplementation(async (cmd: string, args: Record<string, unknown>) => {
    if (cmd === 'calendars') return CALENDARS[args.account as string] ?? [];
    if (cmd === 'events') {
      // Only what falls in the range asked, as the core does.
      const from = args.from as string;
      const to = args.to as string;
      return (EVENTS[args.calendar as string] ?? []).filter((o) => o.start.slice(0, 10) <= to && o.end.slice(0, 10) >= from);
    }
    throw { kind: 'not_found', message: cmd };
  });
}

function eventCalls(): Record<string, unknown>[] {
  return invoke.mock.calls.filter(([cmd]) => cmd === 'events').map(([, args]) => args as Record<string, unknown>);
}

const props = { accounts: [account(ACCOUNT), account(OTHER)], now: () => NOW };

describe('CalendarView', () => {
  beforeEach(() => {
    lang.set('fr');
    localStorage.clear();
    invoke.mockReset();
    internals.__TAURI_INTERNALS__ = {};
  });
  afterEach(() => {
    vi.restoreAllMocks();
    delete internals.__TAURI_INTERNALS__;
  });

  it('shows the month with the events of every calendar of every account', async () => {
    serve();
    render(CalendarView, props);
    expect(screen.getByRole('heading', { name: 'mars 2027' })).toBeTruthy();
    expect(await screen.findByRole('button', { name: /Conseil municipal, 18:00 – 20:00, agenda Agenda/ })).toBeTruthy();
    expect(await screen.findByRole('button', { name: /Commission urbanisme/ })).toBeTruthy();
    // A two-day event shows on both days.
    expect(screen.getAllByRole('button', { name: /Marché de printemps/ })).toHaveLength(2);
    // The month grid runs from Monday 1 March to Sunday 4 April: April's 2nd is there too.
    expect(await screen.findByRole('button', { name: /Permanence/ })).toBeTruthy();
    expect(eventCalls()).toContainEqual({ account: OTHER, from: '2027-03-01', to: '2027-04-04', calendar: 'accueil/calendar' });
    // Each calendar once, though the accounts' calendars arrive one after the other.
    expect(eventCalls().map((args) => args.calendar).sort()).toEqual(['accueil/calendar', 'agent/calendar', 'elus/calendar']);
    const grid = screen.getByRole('grid', { name: 'mars 2027' });
    expect(within(grid).getAllByRole('gridcell')).toHaveLength(35);
    expect(within(grid).getByRole('gridcell', { name: 'lundi 15 mars 2027' }).getAttribute('aria-current')).toBe('date');
  });

  it('shows a reminded occurrence: its day, then the event itself', async () => {
    serve();
    render(CalendarView, {
      ...props,
      reveal: { account: OTHER, uid: 'u4', start: '2027-04-02T14:00:00+02:00' },
    });
    expect(await screen.findByRole('heading', { name: /vendredi 2 avril 2027/ })).toBeTruthy();
    const dialog = await screen.findByRole('dialog');
    expect((within(dialog).getByLabelText('Titre') as HTMLInputElement).value).toBe('Permanence');
  });

  it('lists the calendars by account, own and shared, with their owner', async () => {
    serve();
    render(CalendarView, props);
    const list = screen.getByRole('navigation', { name: 'Agendas' });
    await within(list).findByRole('checkbox', { name: /Élus/ });
    expect(within(list).getByRole('heading', { name: ACCOUNT })).toBeTruthy();
    expect(within(list).getByRole('heading', { name: OTHER })).toBeTruthy();
    expect(within(list).getAllByRole('heading', { name: 'Agendas partagés' })).toHaveLength(1);
    expect(within(list).getByRole('checkbox', { name: 'Élus de elus lecture seule' })).toBeTruthy();
  });

  it('hides a calendar, and remembers it', async () => {
    serve();
    const { unmount } = render(CalendarView, props);
    await screen.findByRole('button', { name: /Commission urbanisme/ });
    const asked = eventCalls().length;
    await fireEvent.click(await screen.findByRole('checkbox', { name: /Élus/ }));
    await waitFor(() => expect(screen.queryByRole('button', { name: /Commission urbanisme/ })).toBeNull());
    // Hiding loads nothing, nor does showing again what this period already has.
    expect(eventCalls()).toHaveLength(asked);
    await fireEvent.click(screen.getByRole('checkbox', { name: /Élus/ }));
    expect(await screen.findByRole('button', { name: /Commission urbanisme/ })).toBeTruthy();
    expect(eventCalls()).toHaveLength(asked);
    await fireEvent.click(screen.getByRole('checkbox', { name: /Élus/ }));
    await waitFor(() => expect(screen.queryByRole('button', { name: /Commission urbanisme/ })).toBeNull());
    expect(JSON.parse(localStorage.getItem('calame.calendar.hidden') ?? '[]')).toEqual([`${ACCOUNT}\nelus/calendar`]);
    unmount();
    invoke.mockClear();
    render(CalendarView, props);
    await screen.findByRole('button', { name: /Conseil municipal/ });
    expect((screen.getByRole('checkbox', { name: /Élus/ }) as HTMLInputElement).checked).toBe(false);
    expect(eventCalls().some((args) => args.calendar === 'elus/calendar')).toBe(false);
    // Shown again: only that calendar is loaded.
    const before = eventCalls().length;
    await fireEvent.click(screen.getByRole('checkbox', { name: /Élus/ }));
    expect(await screen.findByRole('button', { name: /Commission urbanisme/ })).toBeTruthy();
    expect(eventCalls().slice(before).map((args) => args.calendar)).toEqual(['elus/calendar']);
    expect(localStorage.getItem('calame.calendar.hidden')).toBe('[]');
  });

  it('moves between periods and views', async () => {
    serve();
    render(CalendarView, props);
    await screen.findByRole('button', { name: /Conseil municipal/ });
    await fireEvent.click(screen.getByRole('button', { name: 'Période suivante' }));
    expect(screen.getByRole('heading', { name: 'avril 2027' })).toBeTruthy();
    await waitFor(() => expect(eventCalls().some((args) => args.from === '2027-03-29' && args.to === '2027-05-02')).toBe(true));
    await fireEvent.click(screen.getByRole('button', { name: 'Aujourd’hui' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Semaine' }));
    expect(screen.getByRole('button', { name: 'Semaine' }).getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByRole('heading', { name: 'semaine du 15 au 21 mars 2027' })).toBeTruthy();
    expect(await screen.findByRole('button', { name: /Conseil municipal/ })).toBeTruthy();
    expect(screen.getByRole('group', { name: 'lundi 15 mars 2027' })).toBeTruthy();
    // The two-day market is one bar over Saturday and Sunday, in the all-day row.
    const market = screen.getByRole('button', { name: /Marché de printemps/ });
    expect(market.style.gridColumn).toBe('7 / span 2');
    await fireEvent.click(screen.getByRole('button', { name: 'Jour' }));
    expect(screen.getByRole('heading', { name: 'lundi 15 mars 2027' })).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Agenda' }));
    expect(screen.getByRole('heading', { name: 'du 15 mars au 13 avril 2027' })).toBeTruthy();
    expect(await screen.findByRole('heading', { name: 'samedi 20 mars 2027' })).toBeTruthy();
  });

  it('moves the focus in the month grid with the arrows, into the next month, and opens a day with Enter', async () => {
    serve();
    render(CalendarView, props);
    await screen.findByRole('button', { name: /Conseil municipal/ });
    const grid = screen.getByRole('grid');
    const start = within(grid).getByRole('gridcell', { name: 'lundi 15 mars 2027' });
    expect(start.tabIndex).toBe(0);
    start.focus();
    await fireEvent.keyDown(start, { key: 'ArrowRight' });
    await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toMatch(/^mardi 16 mars 2027/));
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toMatch(/^mardi 23 mars 2027/));
    await fireEvent.keyDown(document.activeElement!, { key: 'PageDown' });
    await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toMatch(/^vendredi 23 avril 2027/));
    expect(screen.getByRole('heading', { name: 'avril 2027' })).toBeTruthy();
    await fireEvent.keyDown(document.activeElement!, { key: 'Enter' });
    expect(screen.getByRole('heading', { name: 'vendredi 23 avril 2027' })).toBeTruthy();
  });

  it('opens an event in the editor, and gives the focus back when it closes', async () => {
    serve();
    render(CalendarView, props);
    const chip = await screen.findByRole('button', { name: /Conseil municipal/ });
    chip.focus();
    await fireEvent.click(chip);
    const dialog = screen.getByRole('dialog', { name: 'Modifier l’événement' });
    expect((within(dialog).getByLabelText('Titre') as HTMLInputElement).value).toBe('Conseil municipal');
    expect((within(dialog).getByLabelText('Lieu') as HTMLInputElement).value).toBe('Salle du conseil');
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(chip);
  });

  it('opens an event of a read-only calendar without saving or deleting', async () => {
    serve();
    render(CalendarView, props);
    await fireEvent.click(await screen.findByRole('button', { name: /Commission urbanisme/ }));
    const dialog = screen.getByRole('dialog', { name: 'Événement' });
    expect(within(dialog).getByText('Cet événement est dans un agenda en lecture seule.')).toBeTruthy();
    expect(within(dialog).queryByRole('button', { name: 'Enregistrer' })).toBeNull();
    expect(within(dialog).queryByRole('button', { name: 'Supprimer' })).toBeNull();
  });

  it('creates an event in a writable calendar and reloads', async () => {
    serve();
    render(CalendarView, props);
    await screen.findByRole('button', { name: /Conseil municipal/ });
    await fireEvent.click(screen.getByRole('button', { name: 'Nouvel événement' }));
    const dialog = screen.getByRole('dialog', { name: 'Nouvel événement' });
    const select = within(dialog).getByLabelText('Calendrier') as HTMLSelectElement;
    // Only the writable calendars, each with its account since there are two.
    expect([...select.options].map((o) => o.textContent?.trim())).toEqual([
      `Agenda — ${ACCOUNT}`,
      `Accueil — ${OTHER}`,
    ]);
    invoke.mockClear();
    serve();
    invoke.mockImplementationOnce(async () => 'new-uid');
    await fireEvent.input(within(dialog).getByLabelText('Titre'), { target: { value: 'Mariage' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Enregistrer' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(invoke).toHaveBeenCalledWith('add_event', {
      account: ACCOUNT,
      calendar: 'agent/calendar',
      event: expect.objectContaining({
        summary: 'Mariage',
        start: '2027-03-15T11:00:00+01:00',
        end: '2027-03-15T12:00:00+01:00',
        all_day: false,
      }),
    });
    await waitFor(() => expect(eventCalls().length).toBeGreaterThan(0));
  });

  it('says when the events cannot be loaded', async () => {
    serve();
    const served = invoke.getMockImplementation()!;
    invoke.mockImplementation(async (cmd: string, args: Record<string, unknown>) => {
      if (cmd === 'events' && args.calendar === 'accueil/calendar') throw { kind: 'network', message: 'dav.exemple.fr' };
      return served(cmd, args);
    });
    render(CalendarView, props);
    expect(await screen.findByText('Impossible de charger les événements : Serveur injoignable')).toBeTruthy();
    expect(screen.getByRole('button', { name: /Conseil municipal/ })).toBeTruthy();
  });
});
