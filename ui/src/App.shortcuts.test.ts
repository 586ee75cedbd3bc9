// The window's keyboard shortcuts, header tools (help, settings, connection status) and search,
// with the core mocked at the Tauri bridge.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));
const events = vi.hoisted(() => ({
  core: [] as ((event: { payload: unknown }) => void)[],
  progress: [] as ((event: { payload: unknown }) => void)[],
}));
const listen = vi.hoisted(() =>
  vi.fn(async (name: string, handler: (event: { payload: unknown }) => void) => {
    (name === 'sync-progress' ? events.progress : events.core).push(handler);
    return () => {};
  }),
);
vi.mock('@tauri-apps/api/event', () => ({ listen }));

import { flushSync } from 'svelte';
import { get } from 'svelte/store';
import App from './App.svelte';
import type { Envelope } from './lib/bindings/Envelope';
import type { Folder } from './lib/bindings/Folder';
import type { Progress } from './lib/bindings/Progress';
import type { Event as CoreEvent } from './lib/bindings/Event';
import { composeRequest } from './lib/compose';
import { lang } from './lib/i18n';
import { ACCOUNT, DOVECOT_LIKE } from './lib/testing/fixtures';

const internals = window as unknown as Record<string, unknown>;
const account = { email: ACCOUNT, name: 'Agent', login: 'agent', imap: 'imap.exemple.fr', smtp: null, caldav: null };

function row(uid: number, subject: string, flags: string[] = []): Envelope {
  return {
    uid, date: null, from: { name: 'Mairie', email: 'contact@mairie-exemple.fr' }, to: [], cc: [], subject, flags,
    size: 10, has_attachments: false, message_id: null, in_reply_to: null, references: [], thread_id: null,
  };
}

const message = {
  headers: {
    from: [{ name: 'Mairie', email: 'contact@mairie-exemple.fr' }], to: [], cc: [], reply_to: [], sender: null,
    subject: 'Conseil municipal', date: null, message_id: null, in_reply_to: [], references: [],
  },
  text: 'Ordre du jour', html: null, blocked: [], remote_allowed: null, attachments: [], invitation: null, truncated: false,
};

let folderList: Folder[];
let inbox: Envelope[];
const actions = () => invoke.mock.calls.filter(([cmd]) => cmd === 'act').map(([, args]) => args);
const key = (key: string, init: KeyboardEventInit = {}) => fireEvent.keyDown(document.body, { key, ...init });

async function openFirstMessage(): Promise<void> {
  await fireEvent.click(await screen.findByRole('treeitem', { name: 'Boîte de réception 12 non lus' }));
  await fireEvent.click(await screen.findByRole('option', { name: /Conseil municipal/ }));
  await screen.findByRole('heading', { name: 'Conseil municipal', level: 2 });
  // Back on the page, as after reading: the shortcuts are typed outside any field.
  (document.activeElement as HTMLElement | null)?.blur();
}

describe('App, shortcuts and header tools', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    events.core = [];
    events.progress = [];
    composeRequest.set(null);
    internals.__TAURI_INTERNALS__ = {};
    vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(560);
    folderList = DOVECOT_LIKE;
    inbox = [row(7, 'Conseil municipal'), row(6, 'Marché', ['\\Seen'])];
    invoke.mockImplementation(async (cmd: string, args?: Record<string, unknown>) => {
      if (cmd === 'ui_language') return 'fr';
      if (cmd === 'accounts') return [account];
      if (cmd === 'folders' || cmd === 'refresh_folders') return folderList;
      if (cmd === 'list_messages') {
        return (args?.offset as number) > 0 ? [] : inbox;
      }
      if (cmd === 'read_message') return message;
      if (cmd === 'act') {
        // A move or a delete takes the message out of the folder, as the core's cache would.
        const { action } = args as { action: { action: string; uids: number[] } };
        if (action.action !== 'flag') inbox = inbox.filter((e) => !action.uids.includes(e.uid));
        return null;
      }
      if (cmd === 'search') {
        return [{ ...row(42, 'Budget 2027', ['\\Seen']), folder: 'Projets/2027/Budget' }];
      }
      throw { kind: 'not_found', message: cmd };
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    delete internals.__TAURI_INTERNALS__;
  });

  it('asks the composer to reply, reply to all, forward or write, by key or Ctrl combination', async () => {
    render(App);
    await screen.findByRole('treeitem', { name: 'Boîte de réception 12 non lus' });
    await key('r');
    expect(get(composeRequest)).toBeNull();
    expect(await screen.findByText('Ouvrez d’abord un message')).toBeTruthy();
    await key('n', { ctrlKey: true });
    expect(get(composeRequest)).toEqual({ kind: 'new', account: ACCOUNT });
    await openFirstMessage();
    await key('r');
    expect(get(composeRequest)).toEqual({ kind: 'reply', account: ACCOUNT, folder: 'INBOX', uid: 7 });
    await key('R', { ctrlKey: true, shiftKey: true });
    expect(get(composeRequest)?.kind).toBe('reply_all');
    await key('f');
    expect(get(composeRequest)?.kind).toBe('forward');
  });

  it('ignores single keys typed in the search field', async () => {
    render(App);
    await screen.findByRole('treeitem', { name: 'Boîte de réception 12 non lus' });
    await fireEvent.keyDown(screen.getByRole('searchbox'), { key: 'n' });
    expect(get(composeRequest)).toBeNull();
  });

  it('moves through the list and toggles read on the open message', async () => {
    render(App);
    await fireEvent.click(await screen.findByRole('treeitem', { name: 'Boîte de réception 12 non lus' }));
    await screen.findByRole('option', { name: /Conseil municipal/ });
    await key('j');
    expect(await screen.findByRole('heading', { name: 'Conseil municipal', level: 2 })).toBeTruthy();
    await key('j');
    expect(await screen.findByRole('heading', { name: 'Conseil municipal', level: 2 })).toBeTruthy();
    expect(invoke).toHaveBeenCalledWith('read_message', { account: ACCOUNT, folder: 'INBOX', uid: 6, allowRemoteOnce: false });
    invoke.mockClear();
    await key('m');
    await waitFor(() =>
      expect(actions()).toEqual([
        { account: ACCOUNT, action: { action: 'flag', folder: 'INBOX', uids: [6], add: [], remove: ['\\Seen'] } },
      ]),
    );
    expect(await screen.findByText('Message marqué comme non lu')).toBeTruthy();
    expect(screen.getByRole('option', { name: /Marché/ }).classList.contains('unread')).toBe(true);
  });

  it('archives into the archive folder, deletes, and says when there is no archive', async () => {
    render(App);
    await openFirstMessage();
    await key('e');
    await waitFor(() =>
      expect(actions()).toContainEqual({
        account: ACCOUNT, action: { action: 'move', folder: 'INBOX', uids: [7], dest: 'Archive' },
      }),
    );
    expect(await screen.findByText('Message archivé')).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Conseil municipal', level: 2 })).toBeNull();
    await fireEvent.click(await screen.findByRole('option', { name: /Marché/ }));
    (document.activeElement as HTMLElement | null)?.blur();
    await key('Delete');
    await waitFor(() => expect(actions()).toContainEqual({ account: ACCOUNT, action: { action: 'delete', folder: 'INBOX', uids: [6] } }));
  });

  it('says archiving is unavailable without an archive folder', async () => {
    folderList = DOVECOT_LIKE.filter((f) => f.role !== 'archive');
    render(App);
    await openFirstMessage();
    await key('e');
    expect(await screen.findByText('Archivage indisponible : ce compte n’a pas de dossier d’archives')).toBeTruthy();
    expect(actions().filter((a) => (a as { action: { action: string } }).action.action === 'move')).toEqual([]);
  });

  it('goes to the calendar with "g c" and back to the inbox with "g i"', async () => {
    const { container } = render(App);
    await screen.findByRole('treeitem', { name: 'Boîte de réception 12 non lus' });
    await key('g');
    await key('c');
    expect(container.querySelector('.app')!.getAttribute('data-mode')).toBe('calendar');
    expect(get(composeRequest)).toBeNull();
    await key('g');
    await key('i');
    expect(container.querySelector('.app')!.getAttribute('data-mode')).toBe('mail');
    expect(screen.getByRole('heading', { name: 'Boîte de réception', level: 2 })).toBeTruthy();
  });

  it('opens the shortcuts help with "?" and the header button, closes it with Escape', async () => {
    render(App);
    await screen.findByRole('treeitem', { name: 'Boîte de réception 12 non lus' });
    // Typed in the folder tree too, where letters jump to folders.
    screen.getByRole('treeitem', { name: 'Boîte de réception 12 non lus' }).focus();
    await fireEvent.keyDown(document.activeElement!, { key: '?', shiftKey: true });
    const dialog = screen.getByRole('dialog', { name: 'Raccourcis clavier' });
    expect(dialog.textContent).toContain('Répondre à tous');
    expect(dialog.querySelectorAll('kbd').length).toBeGreaterThan(20);
    await fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    const button = screen.getByRole('button', { name: 'Raccourcis clavier' });
    button.focus();
    await fireEvent.click(button);
    expect(screen.getByRole('dialog')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Fermer' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(button);
  });

  it('searches the account from the header and opens a result', async () => {
    render(App);
    await screen.findByRole('treeitem', { name: 'Boîte de réception 12 non lus' });
    await key('/');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('searchbox')));
    await fireEvent.input(screen.getByRole('searchbox'), { target: { value: 'budget' } });
    await fireEvent.submit(screen.getByRole('search'));
    expect(await screen.findByRole('heading', { name: /Résultats pour «\sbudget\s»/ })).toBeTruthy();
    expect(invoke).toHaveBeenCalledWith('search', {
      account: ACCOUNT,
      request: { query: 'budget', folder: null, limit: 200, offset: 0, server: false },
    });
    const hit = await screen.findByRole('option', { name: /Budget 2027/ });
    expect(hit.textContent).toContain('Budget');
    await fireEvent.click(hit);
    expect(invoke).toHaveBeenCalledWith('read_message', {
      account: ACCOUNT, folder: 'Projets/2027/Budget', uid: 42, allowRemoteOnce: false,
    });
    // The message opened from the results was read: "m" marks it unread; "e" archives it and
    // the result goes.
    (document.activeElement as HTMLElement | null)?.blur();
    await key('m');
    await waitFor(() =>
      expect(actions()).toContainEqual({
        account: ACCOUNT,
        action: { action: 'flag', folder: 'Projets/2027/Budget', uids: [42], add: [], remove: ['\\Seen'] },
      }),
    );
    await key('e');
    await waitFor(() => expect(screen.queryByRole('option', { name: /Budget 2027/ })).toBeNull());
    expect(actions()).toContainEqual({
      account: ACCOUNT, action: { action: 'move', folder: 'Projets/2027/Budget', uids: [42], dest: 'Archive' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Chercher aussi sur le serveur' }));
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('search', {
        account: ACCOUNT,
        request: { query: 'budget', folder: null, limit: 200, offset: 0, server: true },
      }),
    );
    expect(await screen.findByRole('option', { name: /Budget 2027/ })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Chercher aussi sur le serveur' })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Retour au dossier' }));
    expect(screen.queryByRole('heading', { name: /Résultats pour/ })).toBeNull();
  });

  it('shows an offline badge with the retry delay, and the progress of a sync', async () => {
    render(App);
    await screen.findByRole('treeitem', { name: 'Boîte de réception 12 non lus' });
    const emit = (event: CoreEvent) => flushSync(() => events.core.forEach((h) => h({ payload: event })));
    const progress = (p: Progress) => flushSync(() => events.progress.forEach((h) => h({ payload: p })));
    emit({ event: 'offline', account: ACCOUNT, retry_in_seconds: 30 });
    expect(screen.getByText('Hors ligne — nouvel essai dans 30 s')).toBeTruthy();
    progress({ account: ACCOUNT, folder: 'INBOX', stage: 'envelopes', done: 40, total: 160 });
    expect(screen.queryByText(/Hors ligne/)).toBeNull();
    const bar = screen.getByRole('progressbar', { name: 'Progression de la synchronisation' });
    expect(bar.getAttribute('aria-valuenow')).toBe('25');
    progress({ account: ACCOUNT, folder: 'INBOX', stage: 'envelopes', done: 160, total: 160 });
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('offers the theme and adding an account in the settings', async () => {
    render(App);
    await screen.findByRole('treeitem', { name: 'Boîte de réception 12 non lus' });
    await fireEvent.click(screen.getByRole('button', { name: 'Paramètres' }));
    await fireEvent.click(screen.getByRole('radio', { name: 'Sombre' }));
    expect(document.documentElement.dataset.theme).toBe('dark');
    await fireEvent.click(screen.getByRole('radio', { name: 'Système' }));
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false);
    await fireEvent.click(screen.getByRole('button', { name: 'Ajouter un compte' }));
    expect(screen.getByRole('heading', { name: 'Ajouter un compte de messagerie' })).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Annuler' }));
    expect(await screen.findByRole('treeitem', { name: 'Boîte de réception 12 non lus' })).toBeTruthy();
  });
});
