import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));
const events = vi.hoisted(() => ({
  /** Listeners of core events. */
  handlers: [] as ((event: { payload: unknown }) => void)[],
  /** Listeners of sync progress. */
  progress: [] as ((event: { payload: unknown }) => void)[],
  /** Listeners of clicked notifications. */
  open: [] as ((event: { payload: unknown }) => void)[],
  unlisten: vi.fn(),
}));
const listen = vi.hoisted(() =>
  vi.fn(async (name: string, handler: (event: { payload: unknown }) => void) => {
    const to = { 'sync-progress': events.progress, 'open-item': events.open }[name] ?? events.handlers;
    to.push(handler);
    return events.unlisten;
  }),
);
vi.mock('@tauri-apps/api/event', () => ({ listen }));

import { flushSync } from 'svelte';
import App from './App.svelte';
import type { Envelope } from './lib/bindings/Envelope';
import type { Event as CoreEvent } from './lib/bindings/Event';
import { composeRequest } from './lib/compose';
import { lang } from './lib/i18n';
import { ACCOUNT, DOVECOT_LIKE } from './lib/testing/fixtures';

const internals = window as unknown as Record<string, unknown>;
const account = { email: ACCOUNT, name: 'Agent', login: 'agent', imap: 'imap.exemple.fr', smtp: null, caldav: null };

describe('App', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    listen.mockClear();
    events.handlers = [];
    events.open = [];
    events.progress = [];
    events.unlisten.mockReset();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    delete internals.__TAURI_INTERNALS__;
  });

  it('says so when no Tauri backend is there, without calling anything', async () => {
    render(App);
    expect(await screen.findByRole('heading', { name: 'Le moteur de Calame est absent' })).toBeTruthy();
    expect(invoke).not.toHaveBeenCalled();
  });

  it('speaks the language the app was started with', async () => {
    internals.__TAURI_INTERNALS__ = {};
    invoke.mockImplementation(async (cmd: string) => (cmd === 'ui_language' ? 'en' : []));
    render(App);
    expect(await screen.findByRole('heading', { name: 'Welcome to Calame' })).toBeTruthy();
    expect(invoke).toHaveBeenCalledWith('ui_language', undefined);
  });

  it('offers the account wizard when there is no account, then shows the new account', async () => {
    internals.__TAURI_INTERNALS__ = {};
    let configured: unknown[] = [];
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'accounts') return configured;
      if (cmd === 'folders' || cmd === 'refresh_folders') return configured.length ? DOVECOT_LIKE : [];
      if (cmd === 'add_account') {
        configured = [account];
        return account;
      }
      return 'fr';
    });
    render(App);
    expect(await screen.findByRole('heading', { name: 'Bienvenue dans Calame' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Annuler' })).toBeNull();
    await fireEvent.input(screen.getByLabelText('Adresse électronique'), { target: { value: ACCOUNT } });
    await fireEvent.input(screen.getByLabelText('Mot de passe'), { target: { value: 'secret' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Ajouter le compte' }));
    expect(await screen.findByRole('treeitem', { name: 'Demandes 4 non lus' })).toBeTruthy();
    expect(invoke).toHaveBeenCalledWith('add_account', expect.objectContaining({ password: 'secret', remember: true }));
    // The first sync of the new account runs at once (its progress shows in the header).
    await waitFor(() => expect(invoke).toHaveBeenCalledWith('sync_account', { account: ACCOUNT }));
  });

  it('shows a load error by kind, and retries', async () => {
    internals.__TAURI_INTERNALS__ = {};
    invoke.mockRejectedValue({ kind: 'tls_untrusted', message: 'certificat non reconnu pour imap.exemple.fr' });
    render(App);
    expect(await screen.findByRole('heading', { name: 'Certificat du serveur non reconnu' })).toBeTruthy();
    invoke.mockReset();
    invoke.mockImplementation(async (cmd: string) => (cmd === 'accounts' ? [account] : DOVECOT_LIKE));
    await fireEvent.click(screen.getByRole('button', { name: 'Réessayer' }));
    expect(await screen.findByRole('treeitem', { name: 'Demandes 4 non lus' })).toBeTruthy();
  });

  it('loads the cached tree, refreshes each account, and opens a folder', async () => {
    internals.__TAURI_INTERNALS__ = {};
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'ui_language') return 'fr';
      if (cmd === 'accounts') return [account];
      if (cmd === 'folders') return DOVECOT_LIKE;
      if (cmd === 'refresh_folders') throw { kind: 'network', message: 'impossible de joindre imap.exemple.fr' };
      throw { kind: 'not_found', message: cmd };
    });
    render(App);
    const demandes = await screen.findByRole('treeitem', { name: 'Demandes 4 non lus' });
    expect(screen.getByText('Sélectionnez un dossier')).toBeTruthy();
    expect(invoke).toHaveBeenCalledWith('refresh_folders', { account: ACCOUNT });
    expect(await screen.findByText('Actualisation impossible : Serveur injoignable')).toBeTruthy();
    await fireEvent.click(demandes);
    expect(demandes.getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('heading', { name: 'Demandes', level: 2 })).toBeTruthy();
    expect(screen.getByText('accueil · 90 messages · 4 non lus')).toBeTruthy();
  });

  it('shows the messages of the selected folder, and the message selected in the list', async () => {
    internals.__TAURI_INTERNALS__ = {};
    const inbox = DOVECOT_LIKE.find((f) => f.name === 'INBOX')!;
    // jsdom lays nothing out: give the list a viewport, or it would show no row.
    vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(560);
    invoke.mockImplementation(async (cmd: string, args?: Record<string, unknown>) => {
      if (cmd === 'ui_language') return 'fr';
      if (cmd === 'accounts') return [account];
      if (cmd === 'folders' || cmd === 'refresh_folders') return DOVECOT_LIKE;
      if (cmd === 'list_messages') {
        return (args?.offset as number) > 0
          ? []
          : [
              {
                uid: 7, date: null, from: { name: 'Mairie', email: 'contact@mairie-exemple.fr' }, to: [], cc: [],
                subject: 'Conseil municipal', flags: [], size: 10, has_attachments: false, message_id: null,
                in_reply_to: null, references: [], thread_id: null,
              },
            ];
      }
      if (cmd === 'read_message') {
        return {
          headers: {
            from: [{ name: 'Mairie', email: 'contact@mairie-exemple.fr' }], to: [], cc: [], reply_to: [], sender: null,
            subject: 'Conseil municipal', date: null, message_id: null, in_reply_to: [], references: [],
          },
          text: 'Ordre du jour', html: null, blocked: [], remote_allowed: null, attachments: [], invitation: null,
          truncated: false,
        };
      }
      throw { kind: 'not_found', message: cmd };
    });
    render(App);
    await fireEvent.click(await screen.findByRole('treeitem', { name: 'Boîte de réception 12 non lus' }));
    expect(invoke).toHaveBeenCalledWith('list_messages', { account: ACCOUNT, folder: inbox.name, offset: 0, limit: 100, order: 'newest' });
    const row = await screen.findByRole('option', { name: 'Mairie Non lu Conseil municipal' });
    expect(screen.getByRole('listbox', { name: 'Boîte de réception' })).toBeTruthy();
    await fireEvent.click(row);
    expect(await screen.findByRole('heading', { name: 'Conseil municipal', level: 2 })).toBeTruthy();
    expect(screen.getByText('Ordre du jour').tagName).toBe('PRE');
    expect(invoke).toHaveBeenCalledWith('read_message', { account: ACCOUNT, folder: 'INBOX', uid: 7, allowRemoteOnce: false });
    expect(invoke.mock.calls.filter(([cmd]) => cmd === 'act')).toEqual([
      ['act', { account: ACCOUNT, action: { action: 'flag', folder: 'INBOX', uids: [7], add: ['\\Seen'], remove: [] } }],
    ]);
  });

  it('switches between the mail and the calendar', async () => {
    internals.__TAURI_INTERNALS__ = {};
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'ui_language') return 'fr';
      if (cmd === 'accounts') return [account];
      if (cmd === 'folders' || cmd === 'refresh_folders') return DOVECOT_LIKE;
      if (cmd === 'calendars') {
        return [{ id: 'agent/calendar', name: 'Agenda', owner: 'agent', shared: false, writable: true, color: null }];
      }
      if (cmd === 'events') return [];
      throw { kind: 'not_found', message: cmd };
    });
    render(App);
    await screen.findByRole('treeitem', { name: 'Demandes 4 non lus' });
    const modes = screen.getByRole('group', { name: 'Affichage' });
    const mail = within(modes).getByRole('button', { name: 'Courrier' });
    const calendar = within(modes).getByRole('button', { name: 'Agenda' });
    expect(mail.getAttribute('aria-pressed')).toBe('true');
    await fireEvent.click(calendar);
    expect(calendar.getAttribute('aria-pressed')).toBe('true');
    expect(screen.queryByRole('treeitem', { name: 'Demandes 4 non lus' })).toBeNull();
    expect(await screen.findByRole('checkbox', { name: /Agenda/ })).toBeTruthy();
    expect(invoke).toHaveBeenCalledWith('calendars', { account: ACCOUNT });
    await fireEvent.click(mail);
    expect(await screen.findByRole('treeitem', { name: 'Demandes 4 non lus' })).toBeTruthy();
  });
});

describe('App, composing', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    listen.mockClear();
    events.handlers = [];
    events.open = [];
    internals.__TAURI_INTERNALS__ = {};
  });
  afterEach(() => {
    vi.restoreAllMocks();
    composeRequest.set(null);
    delete internals.__TAURI_INTERNALS__;
  });

  it('writes a new message as the service of the selected shared folder, and shows the outbox count', async () => {
    let pending = [{ state: 'failed' }, { state: 'queued' }, { state: 'filed' }];
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'ui_language') return 'fr';
      if (cmd === 'accounts') return [account];
      if (cmd === 'folders' || cmd === 'refresh_folders') return DOVECOT_LIKE;
      if (cmd === 'list_messages') return [];
      if (cmd === 'outbox') return pending;
      if (cmd === 'identities') {
        return [
          { email: 'accueil@mairie-exemple.fr', name: null, mode: 'send_as', signature: null, reply_to: null, sent_folder: null, discovered: true },
        ];
      }
      throw { kind: 'not_found', message: cmd };
    });
    render(App);
    expect(await screen.findByRole('button', { name: 'Boîte d’envoi (2)' })).toBeTruthy();
    pending = [{ state: 'filed' }];
    flushSync(() =>
      events.handlers.forEach((handler) =>
        handler({ payload: { event: 'outbox', account: ACCOUNT, message_id: 'm', sent: true, filed_in: 'Sent', problem: null } }),
      ),
    );
    await waitFor(() => expect(screen.queryByRole('button', { name: /Boîte d’envoi/ })).toBeNull());

    await fireEvent.click(await screen.findByRole('treeitem', { name: 'Demandes 4 non lus' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Écrire un nouveau message' }));
    expect(await screen.findByRole('dialog', { name: 'Nouveau message' })).toBeTruthy();
    const from = (await screen.findByLabelText('De')) as HTMLSelectElement;
    expect(from.selectedOptions[0]?.textContent).toBe('accueil@mairie-exemple.fr (en tant que)');
    await fireEvent.keyDown(document.body, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });
});

function row(uid: number, subject: string, flags: string[] = []): Envelope {
  return {
    uid, date: null, from: { name: 'Mairie', email: 'contact@mairie-exemple.fr' }, to: [], cc: [], subject, flags,
    size: 10, has_attachments: false, message_id: null, in_reply_to: null, references: [], thread_id: null,
  };
}

describe('App, live updates', () => {
  let inbox: Envelope[];

  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    listen.mockClear();
    events.handlers = [];
    events.open = [];
    events.progress = [];
    events.unlisten.mockReset();
    internals.__TAURI_INTERNALS__ = {};
    vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(560);
    inbox = [row(7, 'Conseil municipal'), row(6, 'Marché', ['\\Seen'])];
    invoke.mockImplementation(async (cmd: string, args?: Record<string, unknown>) => {
      if (cmd === 'ui_language') return 'fr';
      if (cmd === 'accounts') return [account];
      if (cmd === 'folders' || cmd === 'refresh_folders') return DOVECOT_LIKE;
      if (cmd === 'list_messages') return (args?.offset as number) > 0 ? [] : inbox;
      throw { kind: 'not_found', message: cmd };
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    delete internals.__TAURI_INTERNALS__;
  });

  function emit(event: CoreEvent): void {
    flushSync(() => events.handlers.forEach((handler) => handler({ payload: event })));
  }

  // The list's rows (not the options of the « Trier » menu).
  const subjects = () =>
    within(screen.getByRole('listbox')).getAllByRole('option').map((el) => el.querySelector('.subject')?.textContent);
  const listCalls = () => invoke.mock.calls.filter(([cmd]) => cmd === 'list_messages').length;

  async function openInbox(): Promise<void> {
    await fireEvent.click(await screen.findByRole('treeitem', { name: 'Boîte de réception 12 non lus' }));
    await screen.findByRole('option', { name: 'Mairie Non lu Conseil municipal' });
  }

  it('listens to the core once, and stops when the window goes', async () => {
    const { unmount } = render(App);
    await openInbox();
    expect(listen.mock.calls.map(([name]) => name).sort()).toEqual(['core-event', 'open-item', 'sync-progress']);
    expect(events.unlisten).not.toHaveBeenCalled();
    unmount();
    expect(events.unlisten).toHaveBeenCalledTimes(3);
  });

  it('opens the message of a clicked notification, in its folder', async () => {
    render(App);
    await openInbox();
    expect(invoke.mock.calls.some(([cmd]) => cmd === 'read_message')).toBe(false);
    flushSync(() =>
      events.open.forEach((handler) => handler({ payload: { kind: 'message', account: ACCOUNT, folder: 'INBOX', uid: 7 } })),
    );
    await waitFor(() =>
      expect(invoke.mock.calls.some(([cmd, args]) => cmd === 'read_message' && (args as { uid: number }).uid === 7)).toBe(true),
    );
  });

  it('sorts the list as chosen in its header, remembered for each folder', async () => {
    localStorage.clear();
    render(App);
    await openInbox();
    const sort = screen.getByRole('combobox', { name: 'Trier les messages' }) as HTMLSelectElement;
    expect(sort.value).toBe('newest');
    const before = listCalls();
    await fireEvent.change(sort, { target: { value: 'thread' } });
    await waitFor(() => expect(screen.getByRole('tree', { name: 'Boîte de réception' })).toBeTruthy());
    expect(invoke.mock.calls.filter(([cmd]) => cmd === 'list_messages')[before]![1]).toMatchObject({ offset: 0, order: 'thread' });
    // Another folder keeps its own order; coming back finds the one chosen.
    await fireEvent.click(screen.getByRole('treeitem', { name: 'Demandes 4 non lus' }));
    await waitFor(() => expect((screen.getByRole('combobox', { name: 'Trier les messages' }) as HTMLSelectElement).value).toBe('newest'));
    await fireEvent.click(screen.getByRole('treeitem', { name: 'Boîte de réception 12 non lus' }));
    await waitFor(() => expect((screen.getByRole('combobox', { name: 'Trier les messages' }) as HTMLSelectElement).value).toBe('thread'));
    const lists = invoke.mock.calls.filter(([cmd]) => cmd === 'list_messages');
    expect(lists[lists.length - 1]![1]).toMatchObject({ folder: 'INBOX', order: 'thread' });
    localStorage.clear();
  });

  it('opens « Identités et signatures » from the settings, over the window', async () => {
    render(App);
    await openInbox();
    await fireEvent.click(screen.getByRole('button', { name: 'Paramètres' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Identités et signatures' }));
    expect(screen.getByRole('dialog', { name: 'Identités et signatures' })).toBeTruthy();
    expect(invoke).toHaveBeenCalledWith('identities', { account: ACCOUNT });
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByRole('dialog', { name: 'Identités et signatures' })).toBeNull();
  });

  it('shows new mail at the top of the folder shown', async () => {
    render(App);
    await openInbox();
    inbox = [row(8, 'Arrêté du maire'), ...inbox];
    emit({ event: 'new_mail', account: ACCOUNT, folder: 'INBOX', uid: 8, from: null, subject: 'Arrêté du maire' });
    await waitFor(() => expect(subjects()).toEqual(['Arrêté du maire', 'Conseil municipal', 'Marché']));
  });

  it('follows flag changes and expunged messages of the folder shown', async () => {
    render(App);
    await openInbox();
    emit({ event: 'flags_changed', account: ACCOUNT, folder: 'INBOX', uid: 7, flags: ['\\Seen'] });
    expect(screen.getByRole('option', { name: 'Mairie Conseil municipal' }).classList.contains('unread')).toBe(false);
    inbox = inbox.filter((e) => e.uid !== 6);
    emit({ event: 'expunged', account: ACCOUNT, folder: 'INBOX', uid: 6 });
    await waitFor(() => expect(subjects()).toEqual(['Conseil municipal']));
  });

  it('ignores the events of other folders and accounts', async () => {
    render(App);
    await openInbox();
    const before = listCalls();
    inbox = [row(8, 'Ailleurs'), row(7, 'Conseil municipal')];
    emit({ event: 'new_mail', account: ACCOUNT, folder: 'Trash', uid: 8, from: null, subject: null });
    emit({ event: 'new_mail', account: 'autre@exemple.fr', folder: 'INBOX', uid: 8, from: null, subject: null });
    emit({ event: 'flags_changed', account: ACCOUNT, folder: 'Sent', uid: 7, flags: ['\\Seen'] });
    emit({ event: 'expunged', account: 'autre@exemple.fr', folder: 'INBOX', uid: 6 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(listCalls()).toBe(before);
    expect(subjects()).toEqual(['Conseil municipal', 'Marché']);
    expect(screen.getByRole('option', { name: 'Mairie Non lu Conseil municipal' }).classList.contains('unread')).toBe(true);
  });
});
