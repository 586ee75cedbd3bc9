// The only module that talks to the Rust core. Every command is wrapped here with its argument
// and result types (generated from Rust into ./bindings); failures always reject with an
// `AppError`, whatever the shape that came over the bridge.

import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { AccountSetup } from './bindings/AccountSetup';
import type { AccountSummary } from './bindings/AccountSummary';
import type { Action } from './bindings/Action';
import type { Address } from './bindings/Address';
import type { AllowRemote } from './bindings/AllowRemote';
import type { AnswerRef } from './bindings/AnswerRef';
import type { AppError } from './bindings/AppError';
import type { Calendar } from './bindings/Calendar';
import type { ComposeStart } from './bindings/ComposeStart';
import type { DraftInput } from './bindings/DraftInput';
import type { DraftOutcome } from './bindings/DraftOutcome';
import type { DraftSummary } from './bindings/DraftSummary';
import type { Envelope } from './bindings/Envelope';
import type { ErrorKind } from './bindings/ErrorKind';
import type { Event } from './bindings/Event';
import type { EventInput } from './bindings/EventInput';
import type { FlushReport } from './bindings/FlushReport';
import type { Folder } from './bindings/Folder';
import type { Identity } from './bindings/Identity';
import type { InvitationAnswer } from './bindings/InvitationAnswer';
import type { Lang } from './bindings/Lang';
import type { ListOrder } from './bindings/ListOrder';
import type { Message } from './bindings/Message';
import type { DetailedOccurrence } from './bindings/DetailedOccurrence';
import type { OpenItem } from './bindings/OpenItem';
import type { OutboxItem } from './bindings/OutboxItem';
import type { Progress } from './bindings/Progress';
import type { Responded } from './bindings/Responded';
import type { SearchHit } from './bindings/SearchHit';
import type { SearchRequest } from './bindings/SearchRequest';
import type { SendOutcome } from './bindings/SendOutcome';
import type { SyncReport } from './bindings/SyncReport';

// A record, not a list: the type check fails when the Rust side adds a kind missing here.
const ERROR_KINDS: Record<ErrorKind, true> = {
  bad_input: true,
  auth: true,
  tls_untrusted: true,
  network: true,
  refused: true,
  conflict: true,
  profile_in_use: true,
  not_found: true,
  offline: true,
  storage: true,
  protocol: true,
  keyring: true,
  other: true,
};

function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_KINDS, value);
}

/** Turns anything a command can reject with into an `AppError`; kind `other` when unknown. */
export function toAppError(raw: unknown): AppError {
  if (typeof raw === 'object' && raw !== null) {
    const { kind, message, fingerprint } = raw as { kind?: unknown; message?: unknown; fingerprint?: unknown };
    const text = typeof message === 'string' ? message : raw instanceof Error ? raw.message : '';
    if (isErrorKind(kind)) {
      return typeof fingerprint === 'string' ? { kind, message: text, fingerprint } : { kind, message: text };
    }
    if (typeof message === 'string') return { kind: 'other', message };
    try {
      return { kind: 'other', message: JSON.stringify(raw) };
    } catch {
      return { kind: 'other', message: String(raw) };
    }
  }
  if (typeof raw === 'string') return { kind: 'other', message: raw };
  return { kind: 'other', message: String(raw) };
}

export function isAppError(value: unknown): value is AppError {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, message } = value as { kind?: unknown; message?: unknown };
  return isErrorKind(kind) && typeof message === 'string';
}

/** True inside the Tauri app; false in a plain browser, where no command can answer. */
export function hasBackend(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  if (!hasBackend()) {
    throw { kind: 'other', message: 'no Tauri backend' } satisfies AppError;
  }
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw toAppError(raw);
  }
}

/** The configured accounts, in the order the user set them up. */
export function accounts(): Promise<AccountSummary[]> {
  return call<AccountSummary[]>('accounts');
}

/** The servers the address's mail provider publishes (autoconfig), or null. */
export function discoverAccount(email: string): Promise<AccountSetup | null> {
  return call<AccountSetup | null>('discover_account', { email });
}

/** Folders of every account, from the local cache (fast, works offline). */
export function folders(): Promise<Folder[]> {
  return call<Folder[]>('folders');
}

/** Asks the server of `account` for its folder list, updates the cache, returns that account's
 * folders. */
export function refreshFolders(account: string): Promise<Folder[]> {
  return call<Folder[]>('refresh_folders', { account });
}

/** The interface language the app was started with (French unless the system asks for
 * English). */
export function uiLanguage(): Promise<Lang> {
  return call<Lang>('ui_language');
}

/** Adds (or replaces) an account after checking its login; with `remember`, the password goes
 * to the OS keyring. The password is not kept on this side. */
export function addAccount(setup: AccountSetup, password: string, remember: boolean): Promise<AccountSummary> {
  return call<AccountSummary>('add_account', { setup, password, remember });
}

/** A page of a folder's messages from the cache, in `order` (newest first by default; by
 * sender, subject or conversation, the core keeps the folder's order until its messages change). */
export function listMessages(
  account: string,
  folder: string,
  offset: number,
  limit: number,
  order: ListOrder = 'newest',
): Promise<Envelope[]> {
  return call<Envelope[]>('list_messages', { account, folder, offset, limit, order });
}

/** A message, remote content blocked unless allowed this once or by the allow-list. */
export function readMessage(account: string, folder: string, uid: number, allowRemoteOnce = false): Promise<Message> {
  return call<Message>('read_message', { account, folder, uid, allowRemoteOnce });
}

/** Allows remote content from now on, for a sender or a message (by Message-ID). */
export function allowRemote(account: string, what: AllowRemote): Promise<void> {
  return call<void>('allow_remote', { account, what });
}

/** Flags, moves, copies or deletes messages (queued, sent to the server when it answers). */
export function act(account: string, action: Action): Promise<void> {
  return call<void>('act', { account, action });
}

/** Searches an account's messages (the local index; the server too with `server`). */
export function search(account: string, request: SearchRequest): Promise<SearchHit[]> {
  return call<SearchHit[]>('search', { account, request });
}

/** Syncs an account; its progress comes through `onSyncProgress`. */
export function syncAccount(account: string): Promise<SyncReport> {
  return call<SyncReport>('sync_account', { account });
}

/** Sends the composer's form (queued in the outbox first, so it leaves even after a failure;
 * without a password in the keyring it only queues). The draft it continues is removed once it
 * is queued; the message it answers is marked answered or forwarded. */
export function send(account: string, draft: DraftInput): Promise<SendOutcome> {
  return call<SendOutcome>('send', { account, draft });
}

/** A form answering or forwarding a cached message: recipients, subject, quoted text, who it
 * is from (the service for a message in a service mailbox), attachments carried over. */
export function composeAnswer(account: string, answering: AnswerRef): Promise<ComposeStart> {
  return call<ComposeStart>('compose_answer', { account, answering });
}

/** A form continuing a saved draft. */
export function composeDraft(account: string, draftId: string): Promise<ComposeStart> {
  return call<ComposeStart>('compose_draft', { account, draftId });
}

/** Saves the form as a draft (a new version of `draft.draft_id` when set); resolves to its id
 * and whether it reached the server (`saved`) or is kept here for now (`local`). */
export function saveDraft(account: string, draft: DraftInput): Promise<DraftOutcome> {
  return call<DraftOutcome>('save_draft', { account, draft });
}

/** An account's drafts, newest first. */
export function drafts(account: string): Promise<DraftSummary[]> {
  return call<DraftSummary[]>('drafts', { account });
}

/** Deletes a draft. */
export function deleteDraft(account: string, draftId: string): Promise<DraftOutcome> {
  return call<DraftOutcome>('delete_draft', { account, draftId });
}

/** Known addresses matching what was typed (a word of the name or address starting with it),
 * the most used first. */
export function knownAddresses(account: string, prefix: string, limit = 8): Promise<Address[]> {
  return call<Address[]>('known_addresses', { account, prefix, limit });
}

/** Sends a stopped outbox item (failed or unconfirmed) again. */
export function retryOutbox(messageId: string): Promise<OutboxItem> {
  return call<OutboxItem>('retry_outbox', { messageId });
}

/** Removes a stopped item from the outbox. */
export function dropOutbox(messageId: string): Promise<void> {
  return call<void>('drop_outbox', { messageId });
}

/** The messages waiting to leave, of one account or all. */
export function outbox(account: string | null = null): Promise<OutboxItem[]> {
  return call<OutboxItem[]>('outbox', { account });
}

/** Sends what the outbox holds for an account now. */
export function flushOutbox(account: string): Promise<FlushReport> {
  return call<FlushReport>('flush_outbox', { account });
}

/** The addresses an account can send as. */
export function identities(account: string): Promise<Identity[]> {
  return call<Identity[]>('identities', { account });
}

/** Adds or replaces (by address) one of an account's identities. */
export function setIdentity(account: string, identity: Identity): Promise<void> {
  return call<void>('set_identity', { account, identity });
}

/** Forgets a configured identity. */
export function removeIdentity(account: string, address: string): Promise<void> {
  return call<void>('remove_identity', { account, address });
}

/** Saves a message's attachment (`part`, as the message lists it) to the file at `path`
 * (chosen by the user in the save dialog); resolves to its size in bytes. */
export function saveAttachment(account: string, folder: string, uid: number, part: string, path: string): Promise<number> {
  return call<number>('save_attachment', { account, folder, uid, part, path });
}

/** Opens a message's attachment with the system's application (written under the profile
 * first; programs and scripts are refused: save them instead). */
export function openAttachment(account: string, folder: string, uid: number, part: string): Promise<void> {
  return call<void>('open_attachment', { account, folder, uid, part });
}

/** An account's calendars, from the cache. */
export function calendars(account: string): Promise<Calendar[]> {
  return call<Calendar[]>('calendars', { account });
}

/** Occurrences between two local dates (`YYYY-MM-DD`, `to` included), in one calendar or
 * all, with what the event editor needs (description, rule, alarm). */
export function events(
  account: string,
  from: string,
  to: string,
  calendar: string | null = null,
): Promise<DetailedOccurrence[]> {
  return call<DetailedOccurrence[]>('events', { account, from, to, calendar });
}

/** Creates an event; resolves to its UID. */
export function addEvent(account: string, calendar: string, event: EventInput): Promise<string> {
  return call<string>('add_event', { account, calendar, event });
}

/** Changes an event with the editor's whole form: the series (`occurrence` null) or one
 * occurrence (its `recurrence_id`); empty fields remove what they held. */
export function editEvent(account: string, uid: string, occurrence: string | null, change: EventInput): Promise<void> {
  return call<void>('edit_event', { account, uid, occurrence, change });
}

/** Deletes an event, or one occurrence of it (its `recurrence_id`). */
export function deleteEvent(account: string, uid: string, occurrence: string | null = null): Promise<void> {
  return call<void>('delete_event', { account, uid, occurrence });
}

/** Answers the invitation in a message. */
export function respond(account: string, folder: string, uid: number, answer: InvitationAnswer): Promise<Responded> {
  return call<Responded>('respond', { account, folder, uid, answer });
}

async function subscribe<T>(name: string, handler: (payload: T) => void): Promise<UnlistenFn> {
  if (!hasBackend()) return () => {};
  return listen<T>(name, (event) => handler(event.payload));
}

/** Calls `handler` with every event of the core (new mail, flags, outbox, reminders, offline);
 * resolves to the function that stops listening. */
export function onCoreEvent(handler: (event: Event) => void): Promise<UnlistenFn> {
  return subscribe<Event>('core-event', handler);
}

/** Calls `handler` when the user clicked a notification: the message or event to open. */
export function onOpenItem(handler: (item: OpenItem) => void): Promise<UnlistenFn> {
  return subscribe<OpenItem>('open-item', handler);
}

/** Calls `handler` with the progress of every running sync. */
export function onSyncProgress(handler: (progress: Progress) => void): Promise<UnlistenFn> {
  return subscribe<Progress>('sync-progress', handler);
}
