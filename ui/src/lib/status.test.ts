import { describe, expect, it } from 'vitest';
import { get } from 'svelte/store';
import { INITIAL_STATUS, createStatus, percentOf, secondsLeft, withEvent, withProgress } from './status';

const A = 'agent@mairie-exemple.fr';
const B = 'accueil@mairie-exemple.fr';

describe('status', () => {
  it('marks an account offline with its retry delay, and online again when the server answers', () => {
    let now = 1000;
    const status = createStatus(() => now);
    status.event({ event: 'offline', account: A, retry_in_seconds: 30 });
    expect(get(status).offline).toEqual({ [A]: { retryInSeconds: 30, at: 1000 } });
    now = 11_000;
    expect(secondsLeft(get(status).offline[A]!, now)).toBe(20);
    expect(secondsLeft(get(status).offline[A]!, 99_000)).toBe(0);
    status.event({ event: 'new_mail', account: B, folder: 'INBOX', uid: 1, from: null, subject: null });
    expect(A in get(status).offline).toBe(true);
    status.event({ event: 'new_mail', account: A, folder: 'INBOX', uid: 1, from: null, subject: null });
    expect(get(status).offline).toEqual({});
  });

  it('takes flag changes, a sent message or a finished sync as signs of life, not a failed send', () => {
    const offline = withEvent(INITIAL_STATUS, { event: 'offline', account: A, retry_in_seconds: 5 }, 0);
    expect(withEvent(offline, { event: 'flags_changed', account: A, folder: 'INBOX', uid: 1, flags: [] }, 0).offline).toEqual({});
    const failed = { event: 'outbox', account: A, message_id: 'm', sent: false, filed_in: null, problem: 'x' } as const;
    expect(withEvent(offline, failed, 0).offline[A]).toBeDefined();
    expect(withEvent(offline, { ...failed, sent: true, problem: null }, 0).offline).toEqual({});
    const status = createStatus();
    status.event({ event: 'offline', account: A, retry_in_seconds: 5 });
    status.syncEnded(A);
    expect(get(status).offline).toEqual({});
  });

  it('follows the progress of a sync, folder by folder, until the end', () => {
    const status = createStatus();
    status.progress({ account: A, folder: 'INBOX', stage: 'envelopes', done: 0, total: 0 });
    expect(get(status).syncs[A]!.percent).toBeNull();
    status.progress({ account: A, folder: 'INBOX', stage: 'envelopes', done: 250, total: 1000 });
    expect(get(status).syncs[A]).toEqual({
      account: A, folder: 'INBOX', stage: 'envelopes', done: 250, total: 1000, percent: 25,
    });
    status.progress({ account: A, folder: 'INBOX', stage: 'envelopes', done: 1000, total: 1000 });
    expect(get(status).syncs).toEqual({});
    status.progress({ account: A, folder: 'Archive', stage: 'envelopes', done: 1, total: 3 });
    expect(get(status).syncs[A]!.percent).toBe(33);
    status.syncEnded(A);
    expect(get(status).syncs).toEqual({});
  });

  it('stops showing a sync when its account goes offline', () => {
    const syncing = withProgress(INITIAL_STATUS, { account: A, folder: 'INBOX', stage: 'bodies', done: 1, total: 9 });
    const offline = withEvent(syncing, { event: 'offline', account: A, retry_in_seconds: 60 }, 0);
    expect(offline.syncs).toEqual({});
  });

  it('follows the network of the computer', () => {
    const status = createStatus();
    status.network(false);
    expect(get(status).networkUp).toBe(false);
    status.network(true);
    expect(get(status).networkUp).toBe(true);
  });

  it('bounds percentages', () => {
    expect(percentOf(5, 0)).toBeNull();
    expect(percentOf(12, 10)).toBe(100);
    expect(percentOf(1, 3)).toBe(33);
  });
});
