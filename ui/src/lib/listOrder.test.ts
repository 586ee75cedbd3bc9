import { beforeEach, describe, expect, it } from 'vitest';
import type { Envelope } from './bindings/Envelope';
import { LIST_ORDER_STORAGE_KEY, loadListOrder, saveListOrder, threadLevel } from './listOrder';

const A = 'agent@mairie-exemple.fr';

function row(uid: number, thread: string | null): Envelope {
  return {
    uid,
    date: null,
    from: null,
    to: [],
    cc: [],
    subject: null,
    flags: [],
    size: 0,
    has_attachments: false,
    message_id: null,
    in_reply_to: null,
    references: [],
    thread_id: thread,
  };
}

describe('listOrder', () => {
  beforeEach(() => localStorage.clear());

  it('remembers the order of each folder, newest first by default', () => {
    expect(loadListOrder(A, 'INBOX')).toBe('newest');
    saveListOrder(A, 'INBOX', 'thread');
    saveListOrder(A, 'Archives', 'from');
    saveListOrder('autre@exemple.fr', 'INBOX', 'oldest');
    expect(loadListOrder(A, 'INBOX')).toBe('thread');
    expect(loadListOrder(A, 'Archives')).toBe('from');
    expect(loadListOrder('autre@exemple.fr', 'INBOX')).toBe('oldest');
    expect(loadListOrder(A, 'Sent')).toBe('newest');
    // Back to the default: the entry goes.
    saveListOrder(A, 'Archives', 'newest');
    expect(Object.keys(JSON.parse(localStorage.getItem(LIST_ORDER_STORAGE_KEY)!))).toHaveLength(2);
  });

  it('ignores what it cannot read', () => {
    localStorage.setItem(LIST_ORDER_STORAGE_KEY, '{oops');
    expect(loadListOrder(A, 'INBOX')).toBe('newest');
    localStorage.setItem(LIST_ORDER_STORAGE_KEY, JSON.stringify({ [`${A}\nINBOX`]: 'random' }));
    expect(loadListOrder(A, 'INBOX')).toBe('newest');
    expect(loadListOrder(A, 'INBOX', null)).toBe('newest');
    saveListOrder(A, 'INBOX', 'subject', null);
  });

  it('makes a reply of a row in the same conversation as the row above', () => {
    expect(threadLevel(row(1, 'a'), undefined)).toBe(1);
    expect(threadLevel(row(2, 'a'), row(1, 'a'))).toBe(2);
    expect(threadLevel(row(3, 'b'), row(2, 'a'))).toBe(1);
    expect(threadLevel(row(4, null), row(3, null))).toBe(1);
  });
});
