import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import { flushSync } from 'svelte';
import MessageList from './MessageList.svelte';
import type { Envelope } from '../bindings/Envelope';
import { listDate } from '../format';
import { lang } from '../i18n';
import { ACCOUNT } from '../testing/fixtures';

const internals = window as unknown as Record<string, unknown>;
const TOTAL = 100_000;
// Saturday 15 March 2027, 18:00 local time.
const NOW = new Date(2027, 2, 15, 18, 0);

/** Envelope number `i` of a folder, newest first: one every hour going back from today 17:00. */
function envelope(i: number): Envelope {
  return {
    uid: TOTAL - i,
    date: new Date(2027, 2, 15, 17 - i, 5).toISOString(),
    from: i % 2 === 0 ? { name: `Expéditeur ${i}`, email: `e${i}@exemple.fr` } : { name: null, email: `e${i}@exemple.fr` },
    to: [],
    cc: [],
    subject: `Objet ${i}`,
    flags: i % 3 === 0 ? ['\\Seen'] : i === 1 ? ['\\Seen', '\\Flagged'] : [],
    size: 1000,
    has_attachments: i === 1,
    message_id: null,
    in_reply_to: null,
    references: [],
    thread_id: null,
  };
}

function serve(total: number): void {
  invoke.mockImplementation(async (cmd: string, args: { offset: number; limit: number }) => {
    if (cmd !== 'list_messages') throw { kind: 'not_found', message: cmd };
    const rows: Envelope[] = [];
    for (let i = args.offset; i < Math.min(args.offset + args.limit, total); i += 1) rows.push(envelope(i));
    return rows;
  });
}

function pagesAsked(): number[] {
  return invoke.mock.calls
    .filter(([cmd]) => cmd === 'list_messages')
    .map(([, args]) => (args as { offset: number }).offset);
}

const props = { account: ACCOUNT, folder: 'INBOX', label: 'Boîte de réception', now: () => NOW };

describe('MessageList', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    internals.__TAURI_INTERNALS__ = {};
    // jsdom lays nothing out: give every element a 560 px viewport (10 rows of 56 px).
    vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(560);
    vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(400);
    vi.spyOn(HTMLElement.prototype, 'scrollHeight', 'get').mockReturnValue(TOTAL * 56);
    HTMLElement.prototype.scrollTo = function (this: HTMLElement, options?: ScrollToOptions | number) {
      if (typeof options === 'object' && options.top !== undefined) this.scrollTop = options.top;
      this.dispatchEvent(new Event('scroll'));
    } as typeof HTMLElement.prototype.scrollTo;
  });
  afterEach(() => {
    vi.restoreAllMocks();
    delete internals.__TAURI_INTERNALS__;
  });

  it('renders only a window of rows for 100,000 messages, with their position in the set', async () => {
    serve(TOTAL);
    render(MessageList, { ...props, total: TOTAL });
    const first = await screen.findByRole('option', { name: /Expéditeur 0/ });
    const rows = screen.getAllByRole('option');
    expect(rows.length).toBeGreaterThan(9);
    expect(rows.length).toBeLessThan(30);
    expect(first.getAttribute('aria-setsize')).toBe('100000');
    expect(first.getAttribute('aria-posinset')).toBe('1');
    expect(screen.getByRole('listbox', { name: 'Boîte de réception' }).firstElementChild!.getAttribute('style')).toContain(
      'height: 5600000px',
    );
    expect(pagesAsked()).toEqual([0]);
    expect(invoke).toHaveBeenCalledWith('list_messages', { account: ACCOUNT, folder: 'INBOX', offset: 0, limit: 100, order: 'newest' });
  });

  it('asks for the pages that scroll into view, and only those', async () => {
    serve(TOTAL);
    render(MessageList, { ...props, total: TOTAL });
    await screen.findByRole('option', { name: /Expéditeur 0/ });
    const list = screen.getByRole('listbox');
    list.scrollTop = 50_000 * 56;
    await fireEvent.scroll(list);
    const row = await screen.findByRole('option', { name: /Expéditeur 50000/ });
    expect(row.getAttribute('aria-posinset')).toBe('50001');
    // Rows 49,992 (overscan) to 50,017: pages at offsets 49,900 and 50,000.
    expect(pagesAsked()).toEqual([0, 49_900, 50_000]);
    expect(screen.getAllByRole('option').length).toBeLessThan(30);
  });

  it('shows sender (name, else address), subject, unread, flag and attachment marks', async () => {
    serve(5);
    render(MessageList, { ...props, total: 5 });
    const unread = await screen.findByRole('option', { name: 'Expéditeur 2 Non lu 15:05 Objet 2' });
    expect(unread.classList.contains('unread')).toBe(true);
    const flagged = screen.getByRole('option', { name: 'e1@exemple.fr Suivi Pièce jointe 16:05 Objet 1' });
    expect(flagged.classList.contains('unread')).toBe(false);
    const read = screen.getByRole('option', { name: 'Expéditeur 0 17:05 Objet 0' });
    expect(read.classList.contains('unread')).toBe(false);
    expect(screen.getAllByRole('option')).toHaveLength(5);
  });

  it('moves the selection with the keyboard and opens with Enter', async () => {
    serve(TOTAL);
    const onopen = vi.fn();
    render(MessageList, { ...props, total: TOTAL, onopen });
    await screen.findByRole('option', { name: /Expéditeur 0/ });
    const list = screen.getByRole('listbox');
    const selected = () => screen.getAllByRole('option').filter((el) => el.getAttribute('aria-selected') === 'true');
    expect(selected()).toEqual([]);
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(selected().map((el) => el.getAttribute('aria-posinset'))).toEqual(['1']);
    await fireEvent.keyDown(list, { key: 'j' });
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(selected().map((el) => el.getAttribute('aria-posinset'))).toEqual(['3']);
    expect(list.getAttribute('aria-activedescendant')).toBe(selected()[0]!.id);
    await fireEvent.keyDown(list, { key: 'k' });
    expect(selected().map((el) => el.getAttribute('aria-posinset'))).toEqual(['2']);
    await fireEvent.keyDown(list, { key: 'Enter' });
    expect(onopen).toHaveBeenCalledTimes(1);
    expect(onopen.mock.calls[0]![0]).toMatchObject({ uid: TOTAL - 1, subject: 'Objet 1' });
    await fireEvent.keyDown(list, { key: 'End' });
    await waitFor(() => expect(selected().map((el) => el.getAttribute('aria-posinset'))).toEqual(['100000']));
    expect(pagesAsked()).toContain(99_900);
    await fireEvent.keyDown(list, { key: 'Home' });
    await waitFor(() => expect(selected().map((el) => el.getAttribute('aria-posinset'))).toEqual(['1']));
  });

  it('selects and opens the next and previous messages when asked from elsewhere', async () => {
    serve(3);
    const onopen = vi.fn();
    const { component } = render(MessageList, { ...props, total: 3, onopen });
    await screen.findByRole('option', { name: /Objet 0/ });
    const selected = () => screen.getAllByRole('option').filter((el) => el.getAttribute('aria-selected') === 'true');
    flushSync(() => component.next());
    expect(selected().map((el) => el.getAttribute('aria-posinset'))).toEqual(['1']);
    flushSync(() => component.next());
    flushSync(() => component.next());
    flushSync(() => component.next());
    expect(selected().map((el) => el.getAttribute('aria-posinset'))).toEqual(['3']);
    flushSync(() => component.previous());
    expect(onopen.mock.calls.map(([e]) => (e as Envelope).subject)).toEqual(['Objet 0', 'Objet 1', 'Objet 2', 'Objet 1']);
    expect(component.flagsOf(TOTAL - 1)).toEqual(['\\Seen', '\\Flagged']);
    expect(component.flagsOf(1)).toBeNull();
  });

  it('opens a message on click', async () => {
    serve(5);
    const onopen = vi.fn();
    render(MessageList, { ...props, total: 5, onopen });
    await fireEvent.click(await screen.findByRole('option', { name: /Objet 3/ }));
    expect(onopen.mock.calls[0]![0]).toMatchObject({ uid: TOTAL - 3 });
    expect(screen.getByRole('option', { name: /Objet 3/ }).getAttribute('aria-selected')).toBe('true');
  });

  it('grows page by page when the folder size is unknown, and says when it is empty', async () => {
    serve(0);
    render(MessageList, { ...props, total: null });
    expect(await screen.findByText('Aucun message dans ce dossier')).toBeTruthy();
    expect(screen.queryAllByRole('option')).toHaveLength(0);
  });

  it('says why the list could not load', async () => {
    invoke.mockRejectedValue({ kind: 'storage', message: 'sled' });
    render(MessageList, { ...props, total: 10 });
    expect(await screen.findByRole('alert')).toHaveProperty(
      'textContent',
      'Impossible de charger les messages : Erreur du stockage local',
    );
  });
});

describe('MessageList, flags and live changes', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    internals.__TAURI_INTERNALS__ = {};
    vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(560);
    vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(400);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    delete internals.__TAURI_INTERNALS__;
  });

  /** Serves `rows` (a list the test may change) and answers `act` with `actResult`. */
  function serveRows(rows: { current: Envelope[] }, actResult: () => Promise<unknown>): void {
    invoke.mockImplementation(async (cmd: string, args: { offset: number; limit: number }) => {
      if (cmd === 'act') return actResult();
      if (cmd !== 'list_messages') throw { kind: 'not_found', message: cmd };
      return rows.current.slice(args.offset, args.offset + args.limit);
    });
  }

  function acts(): unknown[][] {
    return invoke.mock.calls.filter(([cmd]) => cmd === 'act');
  }

  it('marks an unread message read when it opens, once, without waiting for the server', async () => {
    let answer: (value: null) => void = () => {};
    serveRows({ current: [0, 1, 2, 3].map(envelope) }, () => new Promise((resolve) => (answer = resolve)));
    render(MessageList, { ...props, total: 4 });
    const row = await screen.findByRole('option', { name: 'Expéditeur 2 Non lu 15:05 Objet 2' });
    expect(row.classList.contains('unread')).toBe(true);
    await fireEvent.click(row);
    const read = screen.getByRole('option', { name: 'Expéditeur 2 15:05 Objet 2' });
    expect(read.classList.contains('unread')).toBe(false);
    expect(acts()).toEqual([
      ['act', { account: ACCOUNT, action: { action: 'flag', folder: 'INBOX', uids: [TOTAL - 2], add: ['\\Seen'], remove: [] } }],
    ]);
    answer(null);
    await fireEvent.click(read);
    await fireEvent.keyDown(screen.getByRole('listbox'), { key: 'Enter' });
    expect(acts()).toHaveLength(1);
    // A message already read is not flagged again.
    await fireEvent.click(screen.getByRole('option', { name: /Objet 0/ }));
    expect(acts()).toHaveLength(1);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('puts the row back to unread and says why when the core refuses', async () => {
    serveRows({ current: [0, 1, 2].map(envelope) }, async () => {
      throw { kind: 'offline', message: '' };
    });
    render(MessageList, { ...props, total: 3 });
    await fireEvent.click(await screen.findByRole('option', { name: /Objet 2/ }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Impossible de marquer le message comme lu : Vous êtes hors ligne',
    );
    const row = screen.getByRole('option', { name: 'Expéditeur 2 Non lu 15:05 Objet 2' });
    expect(row.classList.contains('unread')).toBe(true);
  });

  it('reloads for new mail, changes flags and drops expunged messages when told', async () => {
    const rows = { current: [0, 1, 2].map(envelope) };
    serveRows(rows, async () => null);
    const { component } = render(MessageList, { ...props, total: 3 });
    await screen.findByRole('option', { name: /Objet 0/ });
    const subjects = () => screen.getAllByRole('option').map((el) => el.querySelector('.subject')?.textContent);

    rows.current = [{ ...envelope(0), uid: TOTAL + 1, subject: 'Nouveau' }, ...rows.current];
    component.reload(1);
    await waitFor(() => expect(subjects()).toEqual(['Nouveau', 'Objet 0', 'Objet 1', 'Objet 2']));
    expect(screen.getAllByRole('option')[0]!.getAttribute('aria-setsize')).toBe('4');

    flushSync(() => component.setFlags(TOTAL - 2, ['\\Seen', '\\Flagged']));
    expect(screen.getByRole('option', { name: 'Expéditeur 2 Suivi 15:05 Objet 2' }).classList.contains('unread')).toBe(
      false,
    );

    rows.current = rows.current.filter((e) => e.uid !== TOTAL - 1);
    component.remove(TOTAL - 1);
    await waitFor(() => expect(subjects()).toEqual(['Nouveau', 'Objet 0', 'Objet 2']));
    expect(screen.getAllByRole('option')[0]!.getAttribute('aria-setsize')).toBe('3');
  });
});

describe('listDate', () => {
  it('writes today as a time, this year as day and month, older with the year, the French way', () => {
    expect(listDate(new Date(2027, 2, 15, 9, 5).toISOString(), NOW)).toBe('09:05');
    expect(listDate(new Date(2027, 2, 14, 23, 59).toISOString(), NOW)).toBe('14 mars');
    expect(listDate(new Date(2027, 0, 3, 8, 0).toISOString(), NOW)).toBe('3 janv.');
    expect(listDate(new Date(2025, 11, 24, 8, 0).toISOString(), NOW)).toBe('24/12/2025');
    expect(listDate(null, NOW)).toBe('');
    expect(listDate('pas une date', NOW)).toBe('');
  });

  it('follows the interface language in English', () => {
    expect(listDate(new Date(2027, 2, 15, 21, 5).toISOString(), NOW, 'en')).toBe('21:05');
    expect(listDate(new Date(2027, 2, 14, 8, 0).toISOString(), NOW, 'en')).toBe('14 Mar');
  });
});

describe('MessageList, order and conversations', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    internals.__TAURI_INTERNALS__ = {};
    vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(560);
    vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(400);
    vi.spyOn(HTMLElement.prototype, 'scrollHeight', 'get').mockReturnValue(TOTAL * 56);
    HTMLElement.prototype.scrollTo = function (this: HTMLElement, options?: ScrollToOptions | number) {
      if (typeof options === 'object' && options.top !== undefined) this.scrollTop = options.top;
      this.dispatchEvent(new Event('scroll'));
    } as typeof HTMLElement.prototype.scrollTo;
  });
  afterEach(() => {
    vi.restoreAllMocks();
    delete internals.__TAURI_INTERNALS__;
  });

  type Asked = { offset: number; limit: number; order: string };
  const asked = (): Asked[] =>
    invoke.mock.calls.filter(([cmd]) => cmd === 'list_messages').map(([, args]) => args as Asked);

  it('asks every page in the order given', async () => {
    serve(TOTAL);
    render(MessageList, { ...props, total: TOTAL, order: 'oldest' });
    await screen.findByRole('option', { name: /Expéditeur 0/ });
    const list = screen.getByRole('listbox');
    list.scrollTop = 50_000 * 56;
    await fireEvent.scroll(list);
    await screen.findByRole('option', { name: /Expéditeur 50000/ });
    expect(asked().map((a) => a.order)).toEqual(['oldest', 'oldest', 'oldest']);
  });

  it('starts again from the first page in a new order, dropping pages asked in the old one', async () => {
    // The pages asked newest first wait until released; the others answer at once.
    const waiting: (() => void)[] = [];
    invoke.mockImplementation((_cmd: string, args: Asked) => {
      const rows = Array.from({ length: args.limit }, (_, i) => {
        const row = envelope(args.offset + i);
        return args.order === 'subject' ? { ...row, subject: `Par objet ${args.offset + i}` } : row;
      });
      if (args.order === 'newest' && args.offset > 0) return new Promise((resolve) => waiting.push(() => resolve(rows)));
      return Promise.resolve(rows);
    });
    const onselectionchange = vi.fn();
    const { rerender } = render(MessageList, { ...props, total: TOTAL, onselectionchange });
    await screen.findByRole('option', { name: /Objet 0$/ });
    const list = screen.getByRole('listbox');
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    list.scrollTop = 50_000 * 56;
    await fireEvent.scroll(list);
    await waitFor(() => expect(waiting.length).toBeGreaterThan(0));
    const before = asked().length;

    await rerender({ order: 'subject' });
    await screen.findByRole('option', { name: /Par objet 0$/ });
    expect(asked()[before]).toMatchObject({ offset: 0, order: 'subject' });
    expect(list.scrollTop).toBe(0);
    expect(onselectionchange).toHaveBeenLastCalledWith([]);
    // The old order's pages come back late: they are not shown.
    waiting.forEach((release) => release());
    await new Promise((resolve) => setTimeout(resolve, 0));
    list.scrollTop = 50_000 * 56;
    await fireEvent.scroll(list);
    // Shown from a page asked again in the new order, not from the one that came back late.
    expect(await screen.findByRole('option', { name: /Par objet 50000$/ })).toBeTruthy();
    expect(asked().slice(before)).toContainEqual(expect.objectContaining({ offset: 50_000, order: 'subject' }));
  });

  it('shows conversations as a tree: replies under the first message, by the row above', async () => {
    const threads = ['a', 'a', 'a', 'b', null, 'c', 'c'];
    invoke.mockImplementation(async (_cmd: string, args: Asked) =>
      threads.slice(args.offset, args.offset + args.limit).map((thread_id, i) => ({ ...envelope(args.offset + i), thread_id })),
    );
    render(MessageList, { ...props, total: threads.length, order: 'thread' });
    await screen.findByRole('treeitem', { name: /Objet 0$/ });
    expect(screen.getByRole('tree', { name: 'Boîte de réception' })).toBeTruthy();
    expect(screen.queryByRole('listbox')).toBeNull();
    const rows = screen.getAllByRole('treeitem');
    expect(rows.map((row) => row.getAttribute('aria-level'))).toEqual(['1', '2', '2', '1', '1', '1', '2']);
    expect(rows.map((row) => row.classList.contains('reply'))).toEqual([false, true, true, false, false, false, true]);
    expect(asked()[0]).toMatchObject({ offset: 0, order: 'thread' });
  });

  it('is a flat list, without levels, in the other orders', async () => {
    serve(3);
    render(MessageList, { ...props, total: 3, order: 'from' });
    const row = await screen.findByRole('option', { name: /Objet 0$/ });
    expect(row.getAttribute('aria-level')).toBeNull();
    expect(screen.queryByRole('tree')).toBeNull();
  });
});
