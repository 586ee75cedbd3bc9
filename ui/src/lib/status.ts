// Connection and sync status for the window's header: which accounts the core could not reach
// (and when it will try again), whether the computer itself is offline, and how far the running
// syncs have got. Built from core events, sync progress and the browser's online/offline events;
// the reducers are pure so they can be tested without the core.

import { writable, type Readable } from 'svelte/store';
import type { Event as CoreEvent } from './bindings/Event';
import type { Progress } from './bindings/Progress';
import type { Stage } from './bindings/Stage';

export type Offline = {
  /** Seconds the core said it would wait before trying again. */
  retryInSeconds: number;
  /** When that was said (ms since the epoch), to count down from. */
  at: number;
};

export type SyncRun = {
  account: string;
  folder: string;
  stage: Stage;
  done: number;
  total: number;
  /** 0–100, or null while the server has not said how much there is. */
  percent: number | null;
};

export type Status = {
  /** False when the browser says the computer has no network at all. */
  networkUp: boolean;
  /** Accounts the core could not reach, by address. */
  offline: Record<string, Offline>;
  /** Running syncs, by account. */
  syncs: Record<string, SyncRun>;
};

export const INITIAL_STATUS: Status = { networkUp: true, offline: {}, syncs: {} };

function online(state: Status, account: string): Status {
  if (!(account in state.offline)) return state;
  const { [account]: _gone, ...rest } = state.offline;
  return { ...state, offline: rest };
}

/** A core event: `offline` marks its account unreachable; anything showing that the server
 * answered (new mail, flag changes, expunges, a message sent) marks it reachable again. */
export function withEvent(state: Status, event: CoreEvent, now: number): Status {
  switch (event.event) {
    case 'offline': {
      const { [event.account]: _stopped, ...syncs } = state.syncs;
      return {
        ...state,
        offline: { ...state.offline, [event.account]: { retryInSeconds: event.retry_in_seconds, at: now } },
        syncs,
      };
    }
    case 'new_mail':
    case 'flags_changed':
    case 'expunged':
      return online(state, event.account);
    case 'outbox':
      return event.sent ? online(state, event.account) : state;
    default:
      return state;
  }
}

export function percentOf(done: number, total: number): number | null {
  if (total <= 0) return null;
  return Math.min(100, Math.max(0, Math.round((done / total) * 100)));
}

/** A progress report: the account is reachable (it is syncing); the run ends when a folder's
 * last message arrives, until the next folder reports. */
export function withProgress(state: Status, progress: Progress): Status {
  const reachable = online(state, progress.account);
  const finished = progress.total > 0 && progress.done >= progress.total;
  if (finished) return withSyncEnd(reachable, progress.account);
  const run: SyncRun = { ...progress, percent: percentOf(progress.done, progress.total) };
  return { ...reachable, syncs: { ...reachable.syncs, [progress.account]: run } };
}

/** A sync of `account` ended (its command answered, or its last folder is complete). */
export function withSyncEnd(state: Status, account: string, succeeded = true): Status {
  const { [account]: _done, ...syncs } = state.syncs;
  const next = { ...state, syncs };
  return succeeded ? online(next, account) : next;
}

export function withNetwork(state: Status, up: boolean): Status {
  return state.networkUp === up ? state : { ...state, networkUp: up };
}

/** Seconds left before the core tries `account` again (0 once due). */
export function secondsLeft(offline: Offline, now: number): number {
  // The clock that ticks the countdown may lag behind the event by up to a second.
  const elapsed = Math.max(0, now - offline.at);
  return Math.max(0, Math.ceil(offline.retryInSeconds - elapsed / 1000));
}

export type StatusStore = Readable<Status> & {
  event(event: CoreEvent): void;
  progress(progress: Progress): void;
  syncEnded(account: string, succeeded?: boolean): void;
  network(up: boolean): void;
};

export function createStatus(clock: () => number = () => Date.now()): StatusStore {
  const store = writable<Status>({
    ...INITIAL_STATUS,
    networkUp: typeof navigator === 'undefined' ? true : navigator.onLine !== false,
  });
  return {
    subscribe: store.subscribe,
    event: (event) => store.update((state) => withEvent(state, event, clock())),
    progress: (progress) => store.update((state) => withProgress(state, progress)),
    syncEnded: (account, succeeded = true) => store.update((state) => withSyncEnd(state, account, succeeded)),
    network: (up) => store.update((state) => withNetwork(state, up)),
  };
}
