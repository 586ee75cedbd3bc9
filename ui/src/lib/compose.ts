// Opening and closing the composer from anywhere (the reader's answer buttons, the « Nouveau
// message » button, the drafts list) without those parts knowing about each other: they set a
// request here, and the main window mounts the composer while one is set.

import { writable } from 'svelte/store';

export type ComposeKind = 'new' | 'reply' | 'reply_all' | 'forward' | 'draft';

export type ComposeRequest = {
  kind: ComposeKind;
  account: string;
  /** The message answered (reply, reply_all, forward). */
  folder?: string;
  uid?: number;
  /** The draft continued (draft). */
  draftId?: string;
};

/** The composer to show; `null` when none is open. */
export const composeRequest = writable<ComposeRequest | null>(null);

/** What the composer last reported after closing (« Message envoyé »), for the main window to
 * announce; `null` when there is nothing to say. */
export const composeNotice = writable<string | null>(null);

/** Opens the composer (replacing the one open, which saves its draft as it goes). */
export function openComposer(request: ComposeRequest): void {
  composeRequest.set(request);
}

export function closeComposer(): void {
  composeRequest.set(null);
}
