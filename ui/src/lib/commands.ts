// Requests from one part of the window to another that the asking part cannot carry out itself.
// The composer is a separate view: shortcuts and buttons only say what they want written
// (`composeRequest`), and the composer, when present, subscribes and takes it (then clears it).

import { writable } from 'svelte/store';

export type ComposeKind = 'new' | 'reply' | 'reply_all' | 'forward';

/** What to write: a new message from `account`, or an answer to / a forward of one message. */
export type ComposeRequest = {
  kind: ComposeKind;
  account: string;
  /** The message answered or forwarded (raw folder name and UID); null for a new message. */
  folder: string | null;
  uid: number | null;
};

export const composeRequest = writable<ComposeRequest | null>(null);

/** Asks for a new message from `account`. */
export function requestNewMessage(account: string): void {
  composeRequest.set({ kind: 'new', account, folder: null, uid: null });
}

/** Asks to reply to, reply to all of, or forward a message. */
export function requestAnswer(
  kind: Exclude<ComposeKind, 'new'>,
  message: { account: string; folder: string; uid: number },
): void {
  composeRequest.set({ kind, account: message.account, folder: message.folder, uid: message.uid });
}
