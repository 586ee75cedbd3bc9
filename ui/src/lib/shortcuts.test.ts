import { describe, expect, it } from 'vitest';
import {
  GROUPS,
  SEQUENCE_TIMEOUT_MS,
  SHORTCUTS,
  chordOf,
  commandFor,
  createKeyReader,
  keyCaps,
  type KeyLike,
} from './shortcuts';
import { fr } from './i18n/fr';

const idle = { pending: null, now: 0 };
const press = (key: string, extra: Partial<KeyLike> = {}): KeyLike => ({ key, ...extra });

describe('shortcut table', () => {
  it('labels every shortcut and group from the catalogue, and binds each key once', () => {
    const seen = new Set<string>();
    for (const shortcut of SHORTCUTS) {
      expect(fr[shortcut.label]).toBeTruthy();
      expect(GROUPS.some((g) => g.id === shortcut.group)).toBe(true);
      for (const keys of shortcut.keys) {
        expect(seen.has(keys), keys).toBe(false);
        seen.add(keys);
      }
    }
    for (const group of GROUPS) expect(fr[group.label]).toBeTruthy();
  });

  it('never binds quit', () => {
    expect(SHORTCUTS.flatMap((s) => s.keys)).not.toContain('Ctrl+Q');
  });
});

describe('commandFor', () => {
  it('maps the single keys', () => {
    const cases: [KeyLike, string][] = [
      [press('j'), 'next'],
      [press('ArrowDown'), 'next'],
      [press('k'), 'previous'],
      [press('ArrowUp'), 'previous'],
      [press('r'), 'reply'],
      [press('a'), 'replyAll'],
      [press('R', { shiftKey: true }), 'replyAll'],
      [press('f'), 'forward'],
      [press('e'), 'archive'],
      [press('Delete'), 'delete'],
      [press('#', { shiftKey: true }), 'delete'],
      [press('m'), 'toggleRead'],
      [press('U', { shiftKey: true }), 'toggleRead'],
      [press('n'), 'newMessage'],
      [press('c'), 'newMessage'],
      [press('/'), 'search'],
      [press('?', { shiftKey: true }), 'help'],
      [press('F1'), 'help'],
    ];
    for (const [event, command] of cases) expect(commandFor(event, idle), event.key).toBe(command);
  });

  it('maps the Ctrl combinations of Thunderbird and Outlook (Cmd on a Mac)', () => {
    expect(commandFor(press('r', { ctrlKey: true }), idle)).toBe('reply');
    expect(commandFor(press('R', { ctrlKey: true, shiftKey: true }), idle)).toBe('replyAll');
    expect(commandFor(press('l', { ctrlKey: true }), idle)).toBe('forward');
    expect(commandFor(press('n', { metaKey: true }), idle)).toBe('newMessage');
    expect(commandFor(press('k', { ctrlKey: true }), idle)).toBe('search');
    expect(commandFor(press('e', { ctrlKey: true }), idle)).toBe('search');
    expect(commandFor(press('f', { ctrlKey: true }), idle)).toBe('search');
    expect(commandFor(press('q', { ctrlKey: true }), idle)).toBeNull();
    expect(commandFor(press('r', { altKey: true }), idle)).toBeNull();
  });

  it('takes a symbol typed with AltGr (Ctrl+Alt on Windows) as the symbol', () => {
    const altGr = press('#', { ctrlKey: true, altKey: true, getModifierState: (k) => k === 'AltGraph' });
    expect(chordOf(altGr)).toBe('#');
    expect(commandFor(altGr, idle)).toBe('delete');
  });

  it('ignores keys typed in fields, except Escape which is not a command', () => {
    const input = document.createElement('input');
    const textarea = document.createElement('textarea');
    const select = document.createElement('select');
    const editable = document.createElement('div');
    editable.setAttribute('contenteditable', 'true');
    const inside = document.createElement('span');
    editable.append(inside);
    for (const target of [input, textarea, select, editable, inside]) {
      expect(commandFor(press('r', { target }), idle)).toBeNull();
      expect(commandFor(press('r', { target, ctrlKey: true }), idle)).toBeNull();
    }
    expect(commandFor(press('r', { target: document.createElement('button') }), idle)).toBe('reply');
  });

  it('completes "g c" and "g i" only within the delay', () => {
    const pending = { chord: 'g', at: 1000 };
    expect(commandFor(press('c'), { pending, now: 1200 })).toBe('goCalendar');
    expect(commandFor(press('i'), { pending, now: 1200 })).toBe('goInbox');
    expect(commandFor(press('c'), { pending, now: 1000 + SEQUENCE_TIMEOUT_MS + 1 })).toBe('newMessage');
    expect(commandFor(press('g'), idle)).toBeNull();
  });
});

describe('createKeyReader', () => {
  it('remembers "g" for the next key, within the delay', () => {
    let now = 0;
    const read = createKeyReader(() => now);
    expect(read(press('g'))).toBeNull();
    now = 500;
    expect(read(press('c'))).toBe('goCalendar');
    // The sequence is used up: "c" alone is a new message again.
    expect(read(press('c'))).toBe('newMessage');
    expect(read(press('g'))).toBeNull();
    now += SEQUENCE_TIMEOUT_MS + 10;
    expect(read(press('c'))).toBe('newMessage');
  });

  it('lets Shift be pressed between the two keys, and forgets "g" typed in a field', () => {
    let now = 0;
    const read = createKeyReader(() => now);
    read(press('g'));
    expect(read(press('Shift', { shiftKey: true }))).toBeNull();
    now = 100;
    expect(read(press('i'))).toBe('goInbox');
    read(press('g', { target: document.createElement('input') }));
    expect(read(press('i'))).toBeNull();
  });
});

describe('keyCaps', () => {
  it('splits chords and sequences into the keys to show', () => {
    expect(keyCaps('Ctrl+Shift+R')).toEqual([[{ label: 'key.ctrl' }, { label: 'key.shift' }, { text: 'R' }]]);
    expect(keyCaps('g c')).toEqual([[{ text: 'g' }], [{ text: 'c' }]]);
    expect(keyCaps('ArrowDown')).toEqual([[{ text: '↓' }]]);
    expect(keyCaps('Delete')).toEqual([[{ label: 'key.delete' }]]);
  });
});
