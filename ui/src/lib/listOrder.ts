// The order a folder's messages are listed in, chosen in the list header and remembered per
// folder in localStorage: a display preference of this computer, like the theme, not something
// the mail server needs to know. Also what the conversation view needs to indent replies.

import type { Envelope } from './bindings/Envelope';
import type { ListOrder } from './bindings/ListOrder';

/** In the order the « Trier » menu offers them. */
export const LIST_ORDERS: ListOrder[] = ['newest', 'oldest', 'from', 'subject', 'thread'];

export const LIST_ORDER_STORAGE_KEY = 'calame.listOrder';

function isOrder(value: unknown): value is ListOrder {
  return typeof value === 'string' && (LIST_ORDERS as string[]).includes(value);
}

function defaultStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    // Storage can be refused (private mode, policy): the choice then lasts for the session.
    return null;
  }
}

/** Every folder's choice in one entry, keyed by account and folder (a newline cannot occur in
 * either, so it cannot make two folders collide). */
function readAll(storage: Storage | null): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(LIST_ORDER_STORAGE_KEY) ?? '{}');
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function key(account: string, folder: string): string {
  return `${account}\n${folder}`;
}

/** The order chosen for a folder; newest first when none (or unreadable). */
export function loadListOrder(account: string, folder: string, storage: Storage | null = defaultStorage()): ListOrder {
  const value = readAll(storage)[key(account, folder)];
  return isOrder(value) ? value : 'newest';
}

/** Remembers the order of a folder (newest first, the default, removes its entry). */
export function saveListOrder(
  account: string,
  folder: string,
  order: ListOrder,
  storage: Storage | null = defaultStorage(),
): void {
  const all = readAll(storage);
  if (order === 'newest') delete all[key(account, folder)];
  else all[key(account, folder)] = order;
  try {
    storage?.setItem(LIST_ORDER_STORAGE_KEY, JSON.stringify(all));
  } catch {
    // Full or refused: the list is still shown in that order, it is only not remembered.
  }
}

/**
 * The level of a row in the conversation view: 2 (a reply) when the row above belongs to the
 * same conversation, 1 (its first message) otherwise. The list is virtualised, so only the row
 * above is looked at; when it is not loaded yet the row counts as a first message until it is.
 */
export function threadLevel(row: Envelope, above: Envelope | undefined): 1 | 2 {
  return row.thread_id !== null && above !== undefined && above.thread_id === row.thread_id ? 2 : 1;
}
