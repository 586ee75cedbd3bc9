// Requests from one part of the window to another that the asking part cannot carry out itself.
// The composer is a separate view: shortcuts and buttons only say what they want written, and
// the composer (lib/compose.ts's `composeRequest`, which App.svelte mounts on) takes it.

import { openComposer, type ComposeKind } from './compose';

/** Asks for a new message from `account`. */
export function requestNewMessage(account: string): void {
  openComposer({ kind: 'new', account });
}

/** Asks to reply to, reply to all of, or forward a message. */
export function requestAnswer(
  kind: Exclude<ComposeKind, 'new' | 'draft'>,
  message: { account: string; folder: string; uid: number },
): void {
  openComposer({ kind, account: message.account, folder: message.folder, uid: message.uid });
}
