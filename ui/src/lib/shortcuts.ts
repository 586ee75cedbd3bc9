// Keyboard shortcuts: one table, read both by the window's key handler (`commandFor`) and by the
// help panel, so the two cannot disagree.
//
// Two habits are supported side by side: single keys (Gmail/mutt style: j/k, r, a, e, #, "g i")
// and Ctrl combinations as in Thunderbird and Outlook (Ctrl+R, Ctrl+Shift+R, Ctrl+L, Ctrl+N).
// Choices where the two programs disagree:
// - Ctrl+F searches (Thunderbird, browsers) rather than forwarding (Outlook): a user who expected
//   "find" and got a composer would be more surprised than the other way round. Forward is
//   Ctrl+L (Thunderbird) or f.
// - Ctrl+Q (quit in Thunderbird, mark read in Outlook) is not bound: one slip would close the app.
// - "a" is reply to all (Gmail); Thunderbird's "a" archives, here "e" does.

import type { MessageKey } from './i18n';

export type CommandId =
  | 'next'
  | 'previous'
  | 'reply'
  | 'replyAll'
  | 'forward'
  | 'newMessage'
  | 'archive'
  | 'delete'
  | 'toggleRead'
  | 'search'
  | 'goInbox'
  | 'goCalendar'
  | 'help';

export type ShortcutGroup = 'navigation' | 'message' | 'compose' | 'application';

export type Shortcut = {
  id: CommandId;
  /** Each entry is one way to trigger the command: a chord ("Ctrl+Shift+R", "j", "#") or a
   * sequence of chords separated by a space ("g c"). Letters are written lower case unless
   * Shift is part of the chord. */
  keys: string[];
  label: MessageKey;
  group: ShortcutGroup;
};

export const GROUPS: { id: ShortcutGroup; label: MessageKey }[] = [
  { id: 'navigation', label: 'shortcut.group.navigation' },
  { id: 'message', label: 'shortcut.group.message' },
  { id: 'compose', label: 'shortcut.group.compose' },
  { id: 'application', label: 'shortcut.group.application' },
];

export const SHORTCUTS: Shortcut[] = [
  { id: 'next', keys: ['j', 'ArrowDown'], label: 'shortcut.next', group: 'navigation' },
  { id: 'previous', keys: ['k', 'ArrowUp'], label: 'shortcut.previous', group: 'navigation' },
  { id: 'goInbox', keys: ['g i'], label: 'shortcut.goInbox', group: 'navigation' },
  { id: 'goCalendar', keys: ['g c'], label: 'shortcut.goCalendar', group: 'navigation' },
  { id: 'search', keys: ['/', 'Ctrl+K', 'Ctrl+E', 'Ctrl+F'], label: 'shortcut.search', group: 'navigation' },
  { id: 'toggleRead', keys: ['m', 'Shift+U'], label: 'shortcut.toggleRead', group: 'message' },
  { id: 'archive', keys: ['e'], label: 'shortcut.archive', group: 'message' },
  { id: 'delete', keys: ['Delete', '#', 'Ctrl+D'], label: 'shortcut.delete', group: 'message' },
  { id: 'reply', keys: ['r', 'Ctrl+R'], label: 'shortcut.reply', group: 'compose' },
  { id: 'replyAll', keys: ['a', 'Shift+R', 'Ctrl+Shift+R'], label: 'shortcut.replyAll', group: 'compose' },
  { id: 'forward', keys: ['f', 'Ctrl+L'], label: 'shortcut.forward', group: 'compose' },
  { id: 'newMessage', keys: ['n', 'c', 'Ctrl+N'], label: 'shortcut.newMessage', group: 'compose' },
  { id: 'help', keys: ['?', 'F1'], label: 'shortcut.help', group: 'application' },
];

/** How long the second key of a sequence ("g" then "c") may wait. */
export const SEQUENCE_TIMEOUT_MS = 1500;

/** What `commandFor` reads of a keyboard event (a real `KeyboardEvent` fits). */
export type KeyLike = {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
  target?: EventTarget | null;
  getModifierState?: (key: string) => boolean;
};

/** The first key of a sequence typed earlier, if any, and the clock. */
export type KeyContext = {
  pending: { chord: string; at: number } | null;
  now: number;
};

function isLetter(key: string): boolean {
  return key.length === 1 && key.toLowerCase() !== key.toUpperCase();
}

/** One chord written the canonical way: "Ctrl+Alt+Shift+key", letters lower case. Shift is
 * dropped for symbols ("?", "#", "/"), which need it on some layouts and not on others; AltGr
 * (reported as Ctrl+Alt on Windows) is dropped too, since it only selects a symbol. */
export function chordOf(event: KeyLike): string {
  const letter = isLetter(event.key);
  const symbol = event.key.length === 1 && !letter;
  const altGraph = event.getModifierState?.('AltGraph') === true;
  const ctrl = (event.ctrlKey || event.metaKey) === true && !(symbol && altGraph);
  const alt = event.altKey === true && !(symbol && altGraph);
  const shift = event.shiftKey === true && !symbol;
  const key = letter ? event.key.toLowerCase() : event.key;
  return `${ctrl ? 'Ctrl+' : ''}${alt ? 'Alt+' : ''}${shift ? 'Shift+' : ''}${key}`;
}

/** The canonical form of a chord as written in the table ("Shift+R" → "Shift+r"). */
export function normalizeChord(written: string): string {
  const parts = written.split('+');
  const key = parts.pop() ?? '';
  const has = (name: string): boolean => parts.includes(name);
  return chordOf({ key, ctrlKey: has('Ctrl'), altKey: has('Alt'), shiftKey: has('Shift') });
}

/** Chord sequences → command, built once from the table. */
const BY_SEQUENCE = new Map<string, CommandId>();
/** First chords of the sequences ("g"). */
const PREFIXES = new Set<string>();
for (const shortcut of SHORTCUTS) {
  for (const written of shortcut.keys) {
    const chords = written.split(' ').map(normalizeChord);
    BY_SEQUENCE.set(chords.join(' '), shortcut.id);
    if (chords.length > 1) PREFIXES.add(chords[0]!);
  }
}

/** True when the key goes to a field the user is typing in. */
export function isTyping(target: EventTarget | null | undefined): boolean {
  if (!target || typeof (target as Element).closest !== 'function') return false;
  const element = target as HTMLElement;
  if (element.isContentEditable) return true;
  return element.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]') !== null;
}

function pendingChord(context: KeyContext): string | null {
  const pending = context.pending;
  if (!pending || context.now - pending.at > SEQUENCE_TIMEOUT_MS) return null;
  return pending.chord;
}

/** The command a key press asks for, or null: keys typed in a field are left alone. A key
 * completing a sequence started in time (`context.pending`) takes the sequence's meaning. */
export function commandFor(event: KeyLike, context: KeyContext): CommandId | null {
  if (isTyping(event.target)) return null;
  const chord = chordOf(event);
  const first = pendingChord(context);
  if (first !== null) {
    const command = BY_SEQUENCE.get(`${first} ${chord}`);
    if (command) return command;
  }
  return BY_SEQUENCE.get(chord) ?? null;
}

/** True when the key starts a sequence ("g"): the caller remembers it for the next key. */
export function startsSequence(event: KeyLike): boolean {
  return !isTyping(event.target) && PREFIXES.has(chordOf(event));
}

/** A key reader with memory: give it every keydown, it answers the command (or null) and
 * remembers the first key of a sequence. */
export function createKeyReader(clock: () => number = () => Date.now()): (event: KeyLike) => CommandId | null {
  let pending: KeyContext['pending'] = null;
  return (event) => {
    const now = clock();
    // Modifier keys alone (Shift held before "?") must not break a sequence.
    if (['Shift', 'Control', 'Alt', 'Meta', 'AltGraph'].includes(event.key)) return null;
    const command = commandFor(event, { pending, now });
    pending = command === null && startsSequence(event) ? { chord: chordOf(event), at: now } : null;
    return command;
  };
}

/** A chord split into the keys to show, each as a catalogue key or as written. */
export type KeyCap = { text: string } | { label: MessageKey };

const NAMED_KEYS: Record<string, MessageKey> = {
  Ctrl: 'key.ctrl',
  Shift: 'key.shift',
  Alt: 'key.alt',
  Delete: 'key.delete',
};

const SYMBOLS: Record<string, string> = { ArrowDown: '↓', ArrowUp: '↑' };

/** The caps of one way to trigger a command: a list of chords, each a list of keys. */
export function keyCaps(written: string): KeyCap[][] {
  return written.split(' ').map((chord) => {
    const parts = chord.split('+');
    // A letter alone is shown as typed ("r"); with modifiers, as printed on the key ("Ctrl R").
    const alone = parts.length === 1;
    return parts.map((part) => {
      const label = NAMED_KEYS[part];
      if (label) return { label };
      return { text: SYMBOLS[part] ?? (isLetter(part) && !alone ? part.toUpperCase() : part) };
    });
  });
}
