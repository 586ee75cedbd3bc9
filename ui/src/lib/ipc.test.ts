import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));
const listen = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/event', () => ({ listen }));

import {
  accounts,
  act,
  addAccount,
  addEvent,
  events,
  folders,
  hasBackend,
  listMessages,
  onCoreEvent,
  readMessage,
  refreshFolders,
  respond,
  search,
  send,
  syncAccount,
  toAppError,
  composeAnswer,
  composeDraft,
  saveDraft,
  drafts,
  deleteDraft,
  knownAddresses,
  retryOutbox,
  dropOutbox,
  editEvent,
  setIdentity,
  removeIdentity,
  saveAttachment,
} from './ipc';
import type { Event } from './bindings/Event';

describe('ipc', () => {
  beforeEach(() => {
    (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__ = {};
    invoke.mockReset();
  });
  afterEach(() => {
    delete (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__;
  });

  it('calls the commands by their Rust names with their arguments', async () => {
    invoke.mockResolvedValue([]);
    await accounts();
    await folders();
    await refreshFolders('agent@mairie.fr');
    expect(invoke.mock.calls).toEqual([
      ['accounts', undefined],
      ['folders', undefined],
      ['refresh_folders', { account: 'agent@mairie.fr' }],
    ]);
  });

  it('passes the composer, drafts, outbox and calendar editing commands their arguments', async () => {
    invoke.mockResolvedValue([]);
    const a = 'agent@mairie.fr';
    await composeAnswer(a, { folder: 'Shared/accueil/INBOX', uid: 4, kind: 'reply_all' });
    await composeDraft(a, 'd1@calame');
    await saveDraft(a, { to: [], cc: [], bcc: [], subject: 'S', text: '', attachments: [], draft_id: 'd1@calame' });
    await drafts(a);
    await deleteDraft(a, 'd1@calame');
    await knownAddresses(a, 'dup');
    await retryOutbox('m1@calame');
    await dropOutbox('m2@calame');
    await setIdentity(a, { email: 'accueil@mairie.fr', name: 'Accueil', mode: 'on_behalf', signature: null, reply_to: null, sent_folder: null, discovered: false });
    await removeIdentity(a, 'accueil@mairie.fr');
    await saveAttachment(a, 'INBOX', 3, '2', '/tmp/plan.pdf');
    await editEvent(a, 'ev1', null, { summary: 'Conseil', start: '2027-03-15', end: '2027-03-15', all_day: true, attendees: [] });
    expect(invoke.mock.calls).toEqual([
      ['compose_answer', { account: a, answering: { folder: 'Shared/accueil/INBOX', uid: 4, kind: 'reply_all' } }],
      ['compose_draft', { account: a, draftId: 'd1@calame' }],
      [
        'save_draft',
        { account: a, draft: { to: [], cc: [], bcc: [], subject: 'S', text: '', attachments: [], draft_id: 'd1@calame' } },
      ],
      ['drafts', { account: a }],
      ['delete_draft', { account: a, draftId: 'd1@calame' }],
      ['known_addresses', { account: a, prefix: 'dup', limit: 8 }],
      ['retry_outbox', { messageId: 'm1@calame' }],
      ['drop_outbox', { messageId: 'm2@calame' }],
      [
        'set_identity',
        {
          account: a,
          identity: { email: 'accueil@mairie.fr', name: 'Accueil', mode: 'on_behalf', signature: null, reply_to: null, sent_folder: null, discovered: false },
        },
      ],
      ['remove_identity', { account: a, address: 'accueil@mairie.fr' }],
      ['save_attachment', { account: a, folder: 'INBOX', uid: 3, part: '2', path: '/tmp/plan.pdf' }],
      [
        'edit_event',
        {
          account: a,
          uid: 'ev1',
          occurrence: null,
          change: { summary: 'Conseil', start: '2027-03-15', end: '2027-03-15', all_day: true, attendees: [] },
        },
      ],
    ]);
  });

  it('passes the new commands their arguments by the names Tauri expects (camelCase)', async () => {
    invoke.mockResolvedValue([]);
    await listMessages('agent@mairie.fr', 'INBOX', 50, 50);
    await readMessage('agent@mairie.fr', 'INBOX', 7, true);
    await readMessage('agent@mairie.fr', 'INBOX', 8);
    await act('agent@mairie.fr', { action: 'flag', folder: 'INBOX', uids: [7], add: ['\\Seen'], remove: [] });
    await search('agent@mairie.fr', { query: 'permis', folder: null, limit: 50, offset: 0, server: false });
    await syncAccount('agent@mairie.fr');
    await events('agent@mairie.fr', '2027-03-01', '2027-03-31');
    await respond('agent@mairie.fr', 'INBOX', 9, 'tentative');
    expect(invoke.mock.calls).toEqual([
      ['list_messages', { account: 'agent@mairie.fr', folder: 'INBOX', offset: 50, limit: 50, order: 'newest' }],
      ['read_message', { account: 'agent@mairie.fr', folder: 'INBOX', uid: 7, allowRemoteOnce: true }],
      ['read_message', { account: 'agent@mairie.fr', folder: 'INBOX', uid: 8, allowRemoteOnce: false }],
      [
        'act',
        {
          account: 'agent@mairie.fr',
          action: { action: 'flag', folder: 'INBOX', uids: [7], add: ['\\Seen'], remove: [] },
        },
      ],
      [
        'search',
        {
          account: 'agent@mairie.fr',
          request: { query: 'permis', folder: null, limit: 50, offset: 0, server: false },
        },
      ],
      ['sync_account', { account: 'agent@mairie.fr' }],
      ['events', { account: 'agent@mairie.fr', from: '2027-03-01', to: '2027-03-31', calendar: null }],
      ['respond', { account: 'agent@mairie.fr', folder: 'INBOX', uid: 9, answer: 'tentative' }],
    ]);
  });

  it('sends drafts, events and account setups as the core reads them', async () => {
    invoke.mockResolvedValueOnce({ message_id: 'm1@mairie.fr', status: 'queued', filed_in: null, warning: null });
    const draft = {
      on_behalf_of: 'accueil@mairie.fr',
      to: [{ name: null, email: 'bob@mairie.fr' }],
      cc: [],
      bcc: [],
      subject: 'Objet',
      text: 'Bonjour',
      attachments: ['/home/agent/plan.pdf'],
    };
    await expect(send('agent@mairie.fr', draft)).resolves.toMatchObject({ status: 'queued' });
    invoke.mockResolvedValueOnce('uid-1');
    const event = { summary: 'Conseil', start: '2027-03-15T18:00:00+01:00', end: '2027-03-15T20:00:00+01:00', all_day: false, attendees: [] };
    await expect(addEvent('agent@mairie.fr', 'agenda', event)).resolves.toBe('uid-1');
    invoke.mockResolvedValueOnce({ email: 'agent@mairie.fr' });
    await addAccount({ email: 'agent@mairie.fr', imap: 'imap.mairie.fr:993' }, 'secret', false);
    expect(invoke.mock.calls).toEqual([
      ['send', { account: 'agent@mairie.fr', draft }],
      ['add_event', { account: 'agent@mairie.fr', calendar: 'agenda', event }],
      [
        'add_account',
        { setup: { email: 'agent@mairie.fr', imap: 'imap.mairie.fr:993' }, password: 'secret', remember: false },
      ],
    ]);
  });

  it('normalises the errors of the new commands', async () => {
    invoke.mockRejectedValueOnce({ kind: 'offline', message: 'hors ligne' });
    await expect(syncAccount('agent@mairie.fr')).rejects.toEqual({ kind: 'offline', message: 'hors ligne' });
    invoke.mockRejectedValueOnce({ kind: 'conflict', message: 'changé entre-temps' });
    await expect(respond('agent@mairie.fr', 'INBOX', 9, 'accept')).rejects.toEqual({
      kind: 'conflict',
      message: 'changé entre-temps',
    });
    invoke.mockRejectedValueOnce(new Error('panicked'));
    await expect(listMessages('agent@mairie.fr', 'INBOX', 0, 50)).rejects.toEqual({ kind: 'other', message: 'panicked' });
  });

  it('forwards core events to the handler and returns the unlisten function', async () => {
    const unlisten = vi.fn();
    listen.mockReset();
    listen.mockResolvedValue(unlisten);
    const seen: Event[] = [];
    const stop = await onCoreEvent((e) => seen.push(e));
    expect(listen).toHaveBeenCalledWith('core-event', expect.any(Function));
    const deliver = listen.mock.calls[0]?.[1] as (e: { payload: Event }) => void;
    deliver({ payload: { event: 'ready' } });
    deliver({ payload: { event: 'expunged', account: 'agent@mairie.fr', folder: 'INBOX', uid: 3 } });
    expect(seen).toEqual([{ event: 'ready' }, { event: 'expunged', account: 'agent@mairie.fr', folder: 'INBOX', uid: 3 }]);
    stop();
    expect(unlisten).toHaveBeenCalled();
  });

  it('rejects with a typed AppError', async () => {
    invoke.mockRejectedValueOnce({ kind: 'auth', message: 'AUTHENTICATIONFAILED' });
    await expect(folders()).rejects.toEqual({ kind: 'auth', message: 'AUTHENTICATIONFAILED' });
    invoke.mockRejectedValueOnce('command folders not found');
    await expect(folders()).rejects.toEqual({ kind: 'other', message: 'command folders not found' });
  });

  it('rejects without calling anything when there is no backend', async () => {
    delete (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__;
    expect(hasBackend()).toBe(false);
    await expect(accounts()).rejects.toMatchObject({ kind: 'other' });
    expect(invoke).not.toHaveBeenCalled();
  });
});

describe('toAppError', () => {
  it('keeps known shapes and falls back to other', () => {
    expect(toAppError({ kind: 'offline', message: 'no route' })).toEqual({ kind: 'offline', message: 'no route' });
    expect(toAppError({ kind: 'quota', message: 'full' })).toEqual({ kind: 'other', message: 'full' });
    expect(toAppError({ kind: 'storage' })).toEqual({ kind: 'storage', message: '' });
    expect(toAppError({ kind: 'tls_untrusted', message: 'x', fingerprint: 'ab:cd' })).toEqual({
      kind: 'tls_untrusted',
      message: 'x',
      fingerprint: 'ab:cd',
    });
    expect(toAppError(new Error('boom'))).toEqual({ kind: 'other', message: 'boom' });
    expect(toAppError({ code: 3 })).toEqual({ kind: 'other', message: '{"code":3}' });
    expect(toAppError(null)).toEqual({ kind: 'other', message: 'null' });
    expect(toAppError(42)).toEqual({ kind: 'other', message: '42' });
  });
});
