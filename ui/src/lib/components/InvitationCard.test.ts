import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import InvitationCard from './InvitationCard.svelte';
import type { Invitation } from '../bindings/Invitation';
import { lang } from '../i18n';
import { ACCOUNT } from '../testing/fixtures';

const internals = window as unknown as Record<string, unknown>;

function invitation(partial: Partial<Invitation> = {}): Invitation {
  return {
    method: 'REQUEST',
    uid: 'evt-1@mairie-exemple.fr',
    summary: 'Conseil municipal',
    start: '2027-03-15T18:00:00+01:00',
    end: '2027-03-15T20:00:00+01:00',
    all_day: false,
    location: 'Salle du conseil',
    organizer: 'secretariat@mairie-exemple.fr',
    attendees: ['agent@mairie-exemple.fr', 'maire@mairie-exemple.fr', 'dgs@mairie-exemple.fr'],
    part: '2',
    ...partial,
  };
}

function renderCard(partial: Partial<Invitation> = {}): void {
  render(InvitationCard, { account: ACCOUNT, folder: 'INBOX', uid: 7, invitation: invitation(partial) });
}

const responded = {
  uid: 'evt-1@mairie-exemple.fr',
  summary: 'Conseil municipal',
  calendar: 'personal',
  partstat: 'ACCEPTED',
  organizer: 'secretariat@mairie-exemple.fr',
  reply: { message_id: 'm@x', status: 'sent', filed_in: null, warning: null },
};

describe('InvitationCard', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    internals.__TAURI_INTERNALS__ = {};
  });
  afterEach(() => {
    delete internals.__TAURI_INTERNALS__;
  });

  it('shows the event: title, when, where, organiser and the number of attendees', () => {
    renderCard();
    const card = screen.getByRole('region', { name: 'Invitation' });
    expect(within(card).getByRole('heading', { name: 'Conseil municipal' })).toBeTruthy();
    expect(card.textContent).toContain('lundi 15 mars 2027, 18:00 – 20:00');
    expect(card.textContent).toContain('Salle du conseil');
    expect(card.textContent).toContain('secretariat@mairie-exemple.fr');
    expect(card.textContent).toContain('3 participants');
  });

  it('answers through respond, buttons disabled meanwhile, then says the answer was sent', async () => {
    let resolve: (value: unknown) => void = () => {};
    invoke.mockImplementation(() => new Promise((r) => (resolve = r)));
    renderCard();
    await fireEvent.click(screen.getByRole('button', { name: 'Accepter' }));
    expect(invoke).toHaveBeenCalledWith('respond', { account: ACCOUNT, folder: 'INBOX', uid: 7, answer: 'accept' });
    for (const name of ['Accepter', 'Peut-être', 'Refuser']) {
      expect((screen.getByRole('button', { name }) as HTMLButtonElement).disabled).toBe(true);
    }
    resolve(responded);
    expect(await screen.findByText('Réponse envoyée : acceptée')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toContain('Réponse envoyée : acceptée');
    expect((screen.getByRole('button', { name: 'Refuser' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('sends tentative and decline with their own words', async () => {
    invoke.mockResolvedValue({ ...responded, partstat: 'DECLINED' });
    renderCard();
    await fireEvent.click(screen.getByRole('button', { name: 'Refuser' }));
    expect(await screen.findByText('Réponse envoyée : refusée')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Peut-être' }));
    expect(invoke).toHaveBeenLastCalledWith('respond', { account: ACCOUNT, folder: 'INBOX', uid: 7, answer: 'tentative' });
    expect(await screen.findByText('Réponse envoyée : peut-être')).toBeTruthy();
  });

  it('says when the answer waits in the outbox', async () => {
    invoke.mockResolvedValue({ ...responded, reply: { ...responded.reply, status: 'queued' } });
    renderCard();
    await fireEvent.click(screen.getByRole('button', { name: 'Accepter' }));
    expect(await screen.findByText(/Elle partira de la boîte d’envoi/)).toBeTruthy();
    expect(screen.getByRole('status').textContent).toContain('Réponse envoyée : acceptée');
  });

  it('shows why an answer failed and gives the buttons back', async () => {
    invoke.mockRejectedValue({ kind: 'offline', message: 'hors ligne' });
    renderCard();
    await fireEvent.click(screen.getByRole('button', { name: 'Peut-être' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Vous êtes hors ligne');
    expect((screen.getByRole('button', { name: 'Peut-être' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('says a cancelled event is cancelled, without answers', () => {
    renderCard({ method: 'CANCEL' });
    expect(screen.getByText('Cet événement a été annulé par l’organisateur')).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('says who answered for a reply', () => {
    renderCard({ method: 'REPLY', attendees: ['maire@mairie-exemple.fr'] });
    expect(screen.getByText('maire@mairie-exemple.fr a répondu à l’invitation')).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('speaks English when asked', () => {
    lang.set('en');
    renderCard({ start: '2027-03-15', end: '2027-03-16', all_day: true });
    expect(screen.getByRole('button', { name: 'Accept' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Maybe' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Decline' })).toBeTruthy();
    expect(screen.getByText(/all day/)).toBeTruthy();
  });
});
