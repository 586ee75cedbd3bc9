import { afterEach, describe, expect, it } from 'vitest';
import { get } from 'svelte/store';
import { composeRequest, requestAnswer, requestNewMessage } from './commands';

afterEach(() => composeRequest.set(null));

describe('composeRequest', () => {
  it('holds what the composer is asked to write', () => {
    expect(get(composeRequest)).toBeNull();
    requestNewMessage('agent@mairie-exemple.fr');
    expect(get(composeRequest)).toEqual({ kind: 'new', account: 'agent@mairie-exemple.fr', folder: null, uid: null });
    requestAnswer('reply_all', { account: 'agent@mairie-exemple.fr', folder: 'INBOX', uid: 7 });
    expect(get(composeRequest)).toEqual({ kind: 'reply_all', account: 'agent@mairie-exemple.fr', folder: 'INBOX', uid: 7 });
  });
});
