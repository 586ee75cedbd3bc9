// Moving messages from the window: drag and drop onto the folder tree, the reader's « Déplacer
// vers… », the selection bar; with the core mocked at the Tauri bridge.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';

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

import App from './App.svelte';
import type { Envelope } from './lib/bindings/Envelope';
import type { Folder } from './lib/bindings/Folder';
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

let refuse = false;

/** jsdom has no DataTransfer: the little of it that drags use. */
function transfer(): DataTransfer {
  const data = new Map<string, string>();
  return {
    effectAllowed: 'all',
    dropEffect: 'none',
    setData: (type: string, value: string) => void data.set(type, value),
    getData: (type: string) => data.get(type) ?? '',
    get types() {
      return [...data.keys()];
    },
  } as unknown as DataTransfer;
}

async function openInbox(): Promise<void> {
  await fireEvent.click(await screen.findByRole('treeitem', { name: 'Boîte de réception 12 non lus' }));
  await screen.findByRole('option', { name: /Conseil municipal/ });
}

describe('App, moving messages', () => {
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
      if (cmd === 'act' && refuse) throw { kind: 'refused', message: 'NO [NOPERM]' };
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

  it('moves a dragged row onto a folder: the row goes at once, the core is asked', async () => {
    refuse = false;
    render(App);
    await openInbox();
    const data = transfer();
    await fireEvent.dragStart(screen.getByRole('option', { name: /Conseil municipal/ }), { dataTransfer: data });
    const archive = screen.getByRole('treeitem', { name: 'Archives' });
    await fireEvent.dragOver(archive, { dataTransfer: data });
    await fireEvent.drop(archive, { dataTransfer: data });
    expect(screen.queryByRole('option', { name: /Conseil municipal/ })).toBeNull();
    expect(actions()).toContainEqual({ account: ACCOUNT, action: { action: 'move', folder: 'INBOX', uids: [7], dest: 'Archive' } });
    expect(await screen.findByText('Message déplacé vers Archives')).toBeTruthy();
    expect(within(screen.getByRole('listbox')).getAllByRole('option')).toHaveLength(1);
  });

  it('takes the rows out before the core has answered', async () => {
    refuse = false;
    render(App);
    await openInbox();
    const answer = invoke.getMockImplementation()!;
    let release: () => void = () => {};
    invoke.mockImplementation((cmd: string, args?: Record<string, unknown>) =>
      cmd === 'act' ? new Promise((resolve) => (release = () => resolve(answer(cmd, args)))) : answer(cmd, args),
    );
    const data = transfer();
    await fireEvent.dragStart(screen.getByRole('option', { name: /Conseil municipal/ }), { dataTransfer: data });
    await fireEvent.drop(screen.getByRole('treeitem', { name: 'Archives' }), { dataTransfer: data });
    expect(screen.queryByRole('option', { name: /Conseil municipal/ })).toBeNull();
    expect(screen.getByRole('option', { name: /Marché/ })).toBeTruthy();
    release();
    expect(await screen.findByText('Message déplacé vers Archives')).toBeTruthy();
  });

  it('puts the rows back and says why when the core refuses the move', async () => {
    refuse = true;
    render(App);
    await openInbox();
    const data = transfer();
    await fireEvent.dragStart(screen.getByRole('option', { name: /Conseil municipal/ }), { dataTransfer: data });
    await fireEvent.drop(screen.getByRole('treeitem', { name: 'Archives' }), { dataTransfer: data });
    expect(await screen.findByText(/Déplacement impossible : Le serveur a refusé l’opération/)).toBeTruthy();
    expect(await screen.findByRole('option', { name: /Conseil municipal/ })).toBeTruthy();
    refuse = false;
  });

  it('refuses a drop on a read-only shared folder', async () => {
    refuse = false;
    render(App);
    await openInbox();
    const data = transfer();
    await fireEvent.dragStart(screen.getByRole('option', { name: /Conseil municipal/ }), { dataTransfer: data });
    const readOnly = screen.getByRole('treeitem', { name: /Boîte de réception.*Lecture seule/ });
    expect(await fireEvent.dragOver(readOnly, { dataTransfer: data })).toBe(true);
    await fireEvent.drop(readOnly, { dataTransfer: data });
    expect(actions()).toEqual([]);
    expect(screen.getByRole('option', { name: /Conseil municipal/ })).toBeTruthy();
  });

  it('moves the open message with « Déplacer vers… » and closes the reader', async () => {
    refuse = false;
    render(App);
    await openInbox();
    await fireEvent.click(screen.getByRole('option', { name: /Conseil municipal/ }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Déplacer vers…' }));
    await fireEvent.click(screen.getByRole('option', { name: 'Archives' }));
    await waitFor(() =>
      expect(actions()).toContainEqual({ account: ACCOUNT, action: { action: 'move', folder: 'INBOX', uids: [7], dest: 'Archive' } }),
    );
    await waitFor(() => expect(screen.queryByRole('heading', { name: 'Conseil municipal', level: 2 })).toBeNull());
  });

  it('moves or deletes several selected messages from the selection bar', async () => {
    refuse = false;
    render(App);
    await openInbox();
    await fireEvent.click(screen.getByRole('option', { name: /Conseil municipal/ }));
    await fireEvent.click(screen.getByRole('option', { name: /Marché/ }), { ctrlKey: true });
    const bar = await screen.findByRole('group', { name: 'Actions sur les messages sélectionnés' });
    expect(bar.textContent).toContain('2 messages sélectionnés');
    await fireEvent.click(screen.getByRole('button', { name: 'Supprimer la sélection' }));
    await waitFor(() => expect(actions()).toContainEqual({ account: ACCOUNT, action: { action: 'delete', folder: 'INBOX', uids: [7, 6] } }));
    expect(await screen.findByText('2 messages supprimés')).toBeTruthy();
  });

  it('archives every selected message with the archive shortcut', async () => {
    refuse = false;
    render(App);
    await openInbox();
    const list = screen.getByRole('listbox');
    await fireEvent.click(screen.getByRole('option', { name: /Conseil municipal/ }));
    await fireEvent.keyDown(list, { key: 'a', ctrlKey: true });
    (document.activeElement as HTMLElement | null)?.blur();
    await fireEvent.keyDown(document.body, { key: 'e' });
    await waitFor(() =>
      expect(actions()).toContainEqual({ account: ACCOUNT, action: { action: 'move', folder: 'INBOX', uids: [7, 6], dest: 'Archive' } }),
    );
    expect(await screen.findByText('2 messages déplacés vers Archives')).toBeTruthy();
  });
});
