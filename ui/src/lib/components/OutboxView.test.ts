import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));
const events = vi.hoisted(() => ({ handlers: [] as ((event: { payload: unknown }) => void)[] }));
vi.mock('@tauri-apps/api/event', () => ({
  listen: vi.fn(async (_name: string, handler: (event: { payload: unknown }) => void) => {
    events.handlers.push(handler);
    return () => {};
  }),
}));

import { get } from 'svelte/store';
import OutboxView from './OutboxView.svelte';
import DraftsView from './DraftsView.svelte';
import type { DraftSummary } from '../bindings/DraftSummary';
import type { OutboxItem } from '../bindings/OutboxItem';
import { composeRequest } from '../compose';
import { lang } from '../i18n';
import { ACCOUNT } from '../testing/fixtures';

const internals = window as unknown as Record<string, unknown>;

function item(message_id: string, state: OutboxItem['state'], partial: Partial<OutboxItem> = {}): OutboxItem {
  return {
    message_id,
    account: ACCOUNT,
    subject: `Objet ${message_id}`,
    to: ['jean@exemple.fr'],
    envelope_from: ACCOUNT,
    state,
    attempts: 0,
    last_error: null,
    queued_at: '2027-03-15T09:00:00+01:00',
    next_attempt: null,
    sent_folder: null,
    filed_in: null,
    ...partial,
  };
}

const ITEMS: OutboxItem[] = [
  item('q', 'queued', { next_attempt: '2027-03-15T14:32:00+01:00', attempts: 1, last_error: 'délai dépassé' }),
  item('s', 'sending'),
  item('c', 'confirming'),
  item('a', 'accepted'),
  item('f', 'filed', { filed_in: 'Sent' }),
  item('x', 'failed', { attempts: 3, last_error: '550 adresse inconnue' }),
  item('u', 'unconfirmed'),
];

function calls(cmd: string): unknown[] {
  return invoke.mock.calls.filter(([c]) => c === cmd).map(([, args]) => args);
}

describe('OutboxView', () => {
  let items: OutboxItem[];

  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    events.handlers = [];
    internals.__TAURI_INTERNALS__ = {};
    items = ITEMS;
    invoke.mockImplementation(async (cmd: string, args: { messageId?: string }) => {
      if (cmd === 'outbox') return items;
      if (cmd === 'retry_outbox') return items.find((i) => i.message_id === args.messageId);
      if (cmd === 'drop_outbox') {
        items = items.filter((i) => i.message_id !== args.messageId);
        return null;
      }
      if (cmd === 'flush_outbox') return { sent: [], filed: [], warnings: [] };
      throw { kind: 'not_found', message: cmd };
    });
  });
  afterEach(() => {
    vi.useRealTimers();
    delete internals.__TAURI_INTERNALS__;
  });

  const entry = (id: string): HTMLElement => screen.getByText(`Objet ${id}`).closest('li')!;

  it('shows every state in French, and offers Réessayer / Supprimer only for stopped messages', async () => {
    render(OutboxView, { onclose: () => {} });
    expect(await screen.findByRole('dialog', { name: 'Boîte d’envoi' })).toBeTruthy();
    await screen.findByText('Objet q');
    expect(calls('outbox')).toEqual([{ account: null }]);
    const states = Object.fromEntries(ITEMS.map((i) => [i.message_id, entry(i.message_id).querySelector('.state')?.textContent]));
    expect(states).toEqual({
      q: 'en file d’attente',
      s: 'envoi en cours',
      c: 'confirmation',
      a: 'accepté',
      f: 'classé',
      x: 'échec',
      u: 'non confirmé',
    });
    for (const { message_id, state } of ITEMS) {
      const stopped = state === 'failed' || state === 'unconfirmed';
      expect(within(entry(message_id)).queryByRole('button', { name: /Réessayer/ }) !== null, message_id).toBe(stopped);
      expect(within(entry(message_id)).queryByRole('button', { name: /Supprimer/ }) !== null, message_id).toBe(stopped);
    }
    expect(screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent)).toEqual([
      'À traiter',
      'En cours d’envoi',
      'Envoyés',
    ]);
    expect(within(entry('x')).getByText('Tentatives : 3')).toBeTruthy();
    expect(within(entry('x')).getByText(`Compte : ${ACCOUNT}`)).toBeTruthy();
    expect(within(entry('x')).getByText('À : jean@exemple.fr')).toBeTruthy();
    expect(within(entry('x')).getByText('Dernière erreur : 550 adresse inconnue')).toBeTruthy();
    expect(within(entry('q')).getByText(/^Prochain essai : 15 mars 2027/)).toBeTruthy();
    expect(within(entry('f')).getByText('Copie classée dans Sent')).toBeTruthy();
  });

  it('retries a failed message, and deletes one only once confirmed', async () => {
    render(OutboxView, { onclose: () => {} });
    await screen.findByText('Objet x');
    await fireEvent.click(within(entry('x')).getByRole('button', { name: 'Réessayer d’envoyer « Objet x »' }));
    await waitFor(() => expect(calls('retry_outbox')).toEqual([{ messageId: 'x' }]));

    await fireEvent.click(within(entry('u')).getByRole('button', { name: 'Supprimer « Objet u » de la boîte d’envoi' }));
    const ask = within(entry('u')).getByRole('alertdialog');
    expect(ask.textContent).toContain('Ce message ne partira pas');
    expect(calls('drop_outbox')).toEqual([]);
    await fireEvent.click(within(ask).getByRole('button', { name: 'Supprimer' }));
    await waitFor(() => expect(screen.queryByText('Objet u')).toBeNull());
    expect(calls('drop_outbox')).toEqual([{ messageId: 'u' }]);
  });

  it('sends the waiting messages now, and follows the core and the clock', async () => {
    vi.useFakeTimers();
    render(OutboxView, { onclose: () => {} });
    await vi.advanceTimersByTimeAsync(0);
    await fireEvent.click(screen.getByRole('button', { name: `Envoyer maintenant les messages en attente de ${ACCOUNT}` }));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls('flush_outbox')).toEqual([{ account: ACCOUNT }]);
    const before = calls('outbox').length;
    items = items.filter((i) => i.message_id !== 'q');
    events.handlers.forEach((h) =>
      h({ payload: { event: 'outbox', account: ACCOUNT, message_id: 'q', sent: true, filed_in: null, problem: null } }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(calls('outbox').length).toBe(before + 1);
    expect(screen.queryByText('Objet q')).toBeNull();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls('outbox').length).toBe(before + 2);
  });

  it('closes with Escape, a confirmation first', async () => {
    const onclose = vi.fn();
    render(OutboxView, { onclose });
    await screen.findByText('Objet u');
    await fireEvent.click(within(entry('u')).getByRole('button', { name: /Supprimer/ }));
    await fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(onclose).not.toHaveBeenCalled();
    await fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(onclose).toHaveBeenCalledTimes(1);
  });
});

describe('DraftsView', () => {
  const DRAFTS: DraftSummary[] = [
    {
      draft_id: 'd1@calame',
      subject: 'Permis PC-12',
      to: [{ name: 'Jean Dupont', email: 'jean@exemple.fr' }],
      updated: '2027-03-15T10:00:00+01:00',
      where: 'local',
      folder: null,
      uid: null,
    },
  ];

  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    composeRequest.set(null);
    internals.__TAURI_INTERNALS__ = {};
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'drafts') return calls('delete_draft').length > 0 ? [] : DRAFTS;
      if (cmd === 'delete_draft') return { draft_id: 'd1@calame', status: 'deleted', warning: null };
      throw { kind: 'not_found', message: cmd };
    });
  });
  afterEach(() => {
    delete internals.__TAURI_INTERNALS__;
  });

  it('opens a draft in the composer', async () => {
    const onclose = vi.fn();
    render(DraftsView, { accounts: [ACCOUNT], onclose });
    const open = await screen.findByRole('button', { name: 'Reprendre le brouillon « Permis PC-12 »' });
    expect(open.textContent).toContain('Jean Dupont <jean@exemple.fr>');
    expect(open.textContent).toContain('sur cet appareil');
    await fireEvent.click(open);
    expect(get(composeRequest)).toEqual({ kind: 'draft', account: ACCOUNT, draftId: 'd1@calame' });
    expect(onclose).toHaveBeenCalled();
  });

  it('deletes a draft once confirmed', async () => {
    render(DraftsView, { accounts: [ACCOUNT], onclose: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Supprimer le brouillon « Permis PC-12 »' }));
    await fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Supprimer' }));
    expect(await screen.findByText('Aucun brouillon.')).toBeTruthy();
    expect(calls('delete_draft')).toEqual([{ account: ACCOUNT, draftId: 'd1@calame' }]);
  });
});
