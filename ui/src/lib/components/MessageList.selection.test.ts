import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import { flushSync } from 'svelte';
import MessageList from './MessageList.svelte';
import type { Envelope } from '../bindings/Envelope';
import { currentMessageDrag, endMessageDrag, MESSAGE_DRAG_TYPE } from '../messageMove';
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

const props = { account: ACCOUNT, folder: 'INBOX', label: 'Boîte de réception', now: () => NOW };

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

function selectedSubjects(): string[] {
  return screen
    .getAllByRole('option')
    .filter((el) => el.getAttribute('aria-selected') === 'true')
    .map((el) => el.querySelector('.subject')?.textContent ?? '');
}

describe('MessageList, several messages', () => {
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

  it('is a multi-selectable listbox: Ctrl+click toggles, Shift+click extends, the reader follows the last click', async () => {
    serve(30);
    const onopen = vi.fn();
    const onselectionchange = vi.fn();
    render(MessageList, { ...props, total: 30, onopen, onselectionchange });
    const list = await screen.findByRole('listbox');
    expect(list.getAttribute('aria-multiselectable')).toBe('true');
    await fireEvent.click(await screen.findByRole('option', { name: /Objet 1$/ }));
    await fireEvent.click(screen.getByRole('option', { name: /Objet 3$/ }), { ctrlKey: true });
    expect(selectedSubjects()).toEqual(['Objet 1', 'Objet 3']);
    await fireEvent.click(screen.getByRole('option', { name: /Objet 5$/ }), { shiftKey: true });
    expect(selectedSubjects()).toEqual(['Objet 3', 'Objet 4', 'Objet 5']);
    await fireEvent.click(screen.getByRole('option', { name: /Objet 4$/ }), { metaKey: true });
    expect(selectedSubjects()).toEqual(['Objet 3', 'Objet 5']);
    expect(onopen).toHaveBeenLastCalledWith(expect.objectContaining({ subject: 'Objet 4' }));
    expect(onselectionchange).toHaveBeenLastCalledWith([TOTAL - 3, TOTAL - 5]);
  });

  it('extends with Shift+arrows and selects every loaded row with Ctrl+A', async () => {
    serve(12);
    render(MessageList, { ...props, total: 12 });
    const list = await screen.findByRole('listbox');
    await screen.findByRole('option', { name: /Objet 0$/ });
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    await fireEvent.keyDown(list, { key: 'ArrowDown', shiftKey: true });
    await fireEvent.keyDown(list, { key: 'ArrowDown', shiftKey: true });
    expect(selectedSubjects()).toEqual(['Objet 0', 'Objet 1', 'Objet 2']);
    await fireEvent.keyDown(list, { key: 'ArrowUp', shiftKey: true });
    expect(selectedSubjects()).toEqual(['Objet 0', 'Objet 1']);
    await fireEvent.keyDown(list, { key: 'a', ctrlKey: true });
    expect(selectedSubjects()).toHaveLength(screen.getAllByRole('option').length);
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(selectedSubjects()).toEqual(['Objet 2']);
    await fireEvent.keyDown(list, { key: 'ArrowDown', ctrlKey: true });
    await fireEvent.keyDown(list, { key: 'ArrowDown', ctrlKey: true });
    expect(selectedSubjects()).toEqual(['Objet 2']);
    await fireEvent.keyDown(list, { key: ' ', ctrlKey: true });
    expect(selectedSubjects()).toEqual(['Objet 2', 'Objet 4']);
    expect(document.getElementById(list.getAttribute('aria-activedescendant') ?? '')?.textContent).toContain('Objet 4');
  });

  it('drags the selected rows together, or an unselected row alone', async () => {
    serve(12);
    render(MessageList, { ...props, total: 12 });
    await fireEvent.click(await screen.findByRole('option', { name: /Objet 0$/ }));
    await fireEvent.click(screen.getByRole('option', { name: /Objet 2$/ }), { shiftKey: true });
    const data = transfer();
    await fireEvent.dragStart(screen.getByRole('option', { name: /Objet 1$/ }), { dataTransfer: data });
    const drag = { account: ACCOUNT, folder: 'INBOX', uids: [TOTAL, TOTAL - 1, TOTAL - 2] };
    expect(JSON.parse(data.getData(MESSAGE_DRAG_TYPE))).toEqual(drag);
    expect(currentMessageDrag()).toEqual(drag);
    await fireEvent.dragEnd(screen.getByRole('option', { name: /Objet 1$/ }));
    expect(currentMessageDrag()).toBeNull();

    await fireEvent.dragStart(screen.getByRole('option', { name: /Objet 7$/ }), { dataTransfer: transfer() });
    expect(currentMessageDrag()).toEqual({ account: ACCOUNT, folder: 'INBOX', uids: [TOTAL - 7] });
    endMessageDrag();
  });

  it('takes moved messages out at once, the rows below closing up', async () => {
    serve(6);
    const { component } = render(MessageList, { ...props, total: 6 });
    await screen.findByRole('option', { name: /Objet 5$/ });
    const subjects = (): string[] => screen.getAllByRole('option').map((el) => el.querySelector('.subject')?.textContent ?? '');
    let removed = 0;
    flushSync(() => (removed = component.removeMany([TOTAL - 1, TOTAL - 3])));
    expect(removed).toBe(2);
    expect(subjects()).toEqual(['Objet 0', 'Objet 2', 'Objet 4', 'Objet 5']);
    expect(screen.getAllByRole('option')[0]!.getAttribute('aria-setsize')).toBe('4');
  });

  it('keeps the chosen messages selected when new mail pushes the rows down', async () => {
    const rows = { current: Array.from({ length: 6 }, (_, i) => envelope(i)) };
    invoke.mockImplementation(async (cmd: string, args: { offset: number; limit: number }) => {
      if (cmd !== 'list_messages') return null;
      return rows.current.slice(args.offset, args.offset + args.limit);
    });
    const onselectionchange = vi.fn();
    const { component } = render(MessageList, { ...props, onselectionchange });
    await fireEvent.click(await screen.findByRole('option', { name: /Objet 1$/ }));
    await fireEvent.click(screen.getByRole('option', { name: /Objet 2$/ }), { shiftKey: true });
    rows.current = [{ ...envelope(0), uid: TOTAL + 1, subject: 'Nouveau' }, ...rows.current];
    component.reload(1);
    await screen.findByRole('option', { name: /Nouveau$/ });
    await waitFor(() => expect(selectedSubjects()).toEqual(['Objet 1', 'Objet 2']));
    expect(component.selectedUids()).toEqual([TOTAL - 1, TOTAL - 2]);
    expect(onselectionchange).toHaveBeenLastCalledWith([TOTAL - 1, TOTAL - 2]);
  });
});
