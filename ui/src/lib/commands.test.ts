import { afterEach, describe, expect, it } from 'vitest';
import { get } from 'svelte/store';
import { requestAnswer, requestNewMessage } from './commands';
import { composeRequest } from './compose';

afterEach(() => composeRequest.set(null));

describe('compose requests', () => {
  it('open the composer with what it is asked to write', () => {
    expect(get(composeRequest)).toBeNull();
    requestNewMessage('agent@mairie-exemple.fr');
    expect(get(composeRequest)).toEqual({ kind: 'new', account: 'agent@mairie-exemple.fr' });
    requestAnswer('reply_all', { account: 'agent@mairie-exemple.fr', folder: 'INBOX', uid: 7 });
    expect(get(composeRequest)).toEqual({ kind: 'reply_all', account: 'agent@mairie-exemple.fr', folder: 'INBOX', uid: 7 });
  });
});
