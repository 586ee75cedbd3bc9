import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import EventEditor from './EventEditor.svelte';
import type { DetailedOccurrence } from '../../bindings/DetailedOccurrence';
import { calItem, type CalendarEntry } from '../../calendar';
import { lang } from '../../i18n';
import { ACCOUNT } from '../../testing/fixtures';

const internals = window as unknown as Record<string, unknown>;
const NOW = new Date(2027, 2, 15, 10, 0);

const AGENDA: CalendarEntry = {
  key: `${ACCOUNT}\nagent/calendar`,
  account: ACCOUNT,
  id: 'agent/calendar',
  name: 'Agenda',
  owner: 'agent',
  shared: false,
  writable: true,
  color: '#2e8540',
};

/** The third Monday meeting of a weekly series that started on 1 March 2027. */
const WEEKLY: DetailedOccurrence = {
  uid: 'serie-1',
  calendar: 'agent/calendar',
  summary: 'Réunion de service',
  start: '2027-03-15T09:00:00+01:00',
  end: '2027-03-15T10:00:00+01:00',
  all_day: false,
  location: 'Bureau du maire',
  recurrence_id: '2027-03-15T09:00:00+01:00',
  organizer: null,
  attendees: ['dgs@mairie-exemple.fr'],
  description: null,
  categories: [],
  rrule: 'FREQ=WEEKLY;BYDAY=MO',
  alarm: '-PT15M',
};

function first(week: number): DetailedOccurrence {
  const day = String(1 + 7 * week).padStart(2, '0');
  return { ...WEEKLY, start: `2027-03-${day}T09:00:00+01:00`, end: `2027-03-${day}T10:00:00+01:00`, recurrence_id: `2027-03-${day}T09:00:00+01:00` };
}

function serve(): void {
  invoke.mockImplementation(async (cmd: string) => {
    if (cmd === 'events') return [first(0), first(1), first(2)];
    if (cmd === 'add_event') return 'new-uid';
    return null;
  });
}

function open(occurrence: DetailedOccurrence | null, onclose = vi.fn()) {
  render(EventEditor, {
    calendars: [AGENDA],
    item: occurrence ? calItem(AGENDA, occurrence) : null,
    day: new Date(2027, 2, 16),
    now: NOW,
    onclose,
  });
  return { dialog: screen.getByRole('dialog'), onclose };
}

describe('EventEditor', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    internals.__TAURI_INTERNALS__ = {};
    serve();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    delete internals.__TAURI_INTERNALS__;
  });

  it('is a labelled modal dialog, prefilled from the occurrence, the title focused', () => {
    const { dialog } = open(WEEKLY);
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(screen.getByRole('dialog', { name: 'Modifier l’événement' })).toBe(dialog);
    const title = within(dialog).getByLabelText('Titre') as HTMLInputElement;
    expect(title.value).toBe('Réunion de service');
    expect(document.activeElement).toBe(title);
    expect((within(dialog).getByLabelText('Date de début') as HTMLInputElement).value).toBe('2027-03-15');
    expect((within(dialog).getByLabelText('Heure de fin') as HTMLInputElement).value).toBe('10:00');
    expect((within(dialog).getByLabelText('Répétition') as HTMLSelectElement).value).toBe('weekly');
    expect(within(dialog).getByRole('option', { name: 'Chaque semaine, le lundi' })).toBeTruthy();
    expect((within(dialog).getByLabelText('Rappel') as HTMLSelectElement).value).toBe('15m');
    expect((within(dialog).getByLabelText('Participants') as HTMLTextAreaElement).value).toBe('dgs@mairie-exemple.fr');
    expect(within(dialog).getByText('Fuseau horaire : Europe/Paris')).toBeTruthy();
  });

  it('changes one occurrence of a series with its recurrence id', async () => {
    const { dialog, onclose } = open(WEEKLY);
    await fireEvent.input(within(dialog).getByLabelText('Titre'), { target: { value: 'Réunion déplacée' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Enregistrer' }));
    expect(within(dialog).getByText('Cet événement se répète. Que voulez-vous modifier ?')).toBeTruthy();
    expect(invoke).not.toHaveBeenCalled();
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cette occurrence' }));
    await waitFor(() => expect(onclose).toHaveBeenCalledWith(true));
    expect(invoke).toHaveBeenCalledWith('edit_event', {
      account: ACCOUNT,
      uid: 'serie-1',
      occurrence: '2027-03-15T09:00:00+01:00',
      change: expect.objectContaining({ summary: 'Réunion déplacée', start: '2027-03-15T09:00:00+01:00' }),
    });
  });

  it('changes the whole series from its first day, the rule and alarm kept', async () => {
    const { dialog, onclose } = open(WEEKLY);
    await fireEvent.change(within(dialog).getByLabelText('Heure de début'), { target: { value: '14:00' } });
    // The end follows the start.
    expect((within(dialog).getByLabelText('Heure de fin') as HTMLInputElement).value).toBe('15:00');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Enregistrer' }));
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Toute la série' }));
    await waitFor(() => expect(onclose).toHaveBeenCalledWith(true));
    expect(invoke).toHaveBeenCalledWith('edit_event', {
      account: ACCOUNT,
      uid: 'serie-1',
      occurrence: null,
      change: {
        summary: 'Réunion de service',
        start: '2027-03-01T14:00:00+01:00',
        end: '2027-03-01T15:00:00+01:00',
        all_day: false,
        location: 'Bureau du maire',
        description: null,
        rrule: 'FREQ=WEEKLY;BYDAY=MO',
        attendees: ['dgs@mairie-exemple.fr'],
        alarm: '-PT15M',
      },
    });
  });

  it('deletes one occurrence, or the series', async () => {
    const { dialog } = open(WEEKLY);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Supprimer' }));
    expect(within(dialog).getByText('Cet événement se répète. Que voulez-vous supprimer ?')).toBeTruthy();
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cette occurrence' }));
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('delete_event', {
        account: ACCOUNT,
        uid: 'serie-1',
        occurrence: '2027-03-15T09:00:00+01:00',
      }),
    );
  });

  it('asks before deleting a single event, and deletes it whole', async () => {
    const { dialog } = open({ ...WEEKLY, recurrence_id: null, rrule: null });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Supprimer' }));
    expect(within(dialog).getByText('Supprimer cet événement ?')).toBeTruthy();
    // Escape steps back from the question instead of closing.
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(within(dialog).queryByText('Supprimer cet événement ?')).toBeNull();
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Supprimer' }));
    const question = within(dialog).getByRole('group', { name: 'Supprimer cet événement ?' });
    await fireEvent.click(within(question).getByRole('button', { name: 'Supprimer' }));
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('delete_event', { account: ACCOUNT, uid: 'serie-1', occurrence: null }),
    );
  });

  it('shows what is wrong and sends nothing', async () => {
    const { dialog } = open(null);
    await fireEvent.input(within(dialog).getByLabelText('Participants'), {
      target: { value: 'maire@mairie-exemple.fr, pas-une-adresse' },
    });
    await fireEvent.input(within(dialog).getByLabelText('Heure de fin'), { target: { value: '08:00' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Enregistrer' }));
    expect(within(dialog).getByText('Le titre est obligatoire.')).toBeTruthy();
    expect(within(dialog).getByText('La fin doit être après le début.')).toBeTruthy();
    expect(within(dialog).getByText('Adresses invalides : pas-une-adresse')).toBeTruthy();
    const title = within(dialog).getByLabelText('Titre');
    expect(title.getAttribute('aria-invalid')).toBe('true');
    await waitFor(() => expect(document.activeElement).toBe(title));
    expect(invoke).not.toHaveBeenCalled();
  });

  it('creates an all-day event with dates only', async () => {
    const { dialog, onclose } = open(null);
    expect(screen.getByRole('dialog', { name: 'Nouvel événement' })).toBe(dialog);
    await fireEvent.input(within(dialog).getByLabelText('Titre'), { target: { value: 'Fête de la commune' } });
    await fireEvent.click(within(dialog).getByLabelText('Journée entière'));
    expect(within(dialog).queryByLabelText('Heure de début')).toBeNull();
    await fireEvent.input(within(dialog).getByLabelText('Date de fin'), { target: { value: '2027-03-17' } });
    await fireEvent.change(within(dialog).getByLabelText('Répétition'), { target: { value: 'yearly' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Enregistrer' }));
    await waitFor(() => expect(onclose).toHaveBeenCalledWith(true));
    expect(invoke).toHaveBeenCalledWith('add_event', {
      account: ACCOUNT,
      calendar: 'agent/calendar',
      event: expect.objectContaining({
        summary: 'Fête de la commune',
        start: '2027-03-16',
        end: '2027-03-18',
        all_day: true,
        rrule: 'FREQ=YEARLY',
        alarm: '-PT15M',
      }),
    });
  });

  it('shows an error from the core and stays open', async () => {
    invoke.mockRejectedValue({ kind: 'offline', message: 'hors ligne' });
    const { dialog, onclose } = open({ ...WEEKLY, recurrence_id: null });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Enregistrer' }));
    expect(await within(dialog).findByRole('alert')).toHaveProperty(
      'textContent',
      'Enregistrement impossible : Vous êtes hors ligne',
    );
    expect(onclose).not.toHaveBeenCalled();
  });

  it('keeps the focus inside, and closes with Escape', async () => {
    const { dialog, onclose } = open(WEEKLY);
    const buttons = within(dialog).getAllByRole('button');
    const last = buttons[buttons.length - 1]!;
    last.focus();
    await fireEvent.keyDown(dialog, { key: 'Tab' });
    expect(document.activeElement).toBe(within(dialog).getByLabelText('Titre'));
    await fireEvent.keyDown(dialog, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(last);
    // A click on the backdrop leaves the focus on the page; Tab brings it back.
    last.blur();
    expect(document.activeElement).toBe(document.body);
    await fireEvent.keyDown(document.body, { key: 'Tab' });
    expect(document.activeElement).toBe(within(dialog).getByLabelText('Titre'));
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(onclose).toHaveBeenCalledWith(false);
  });
});
