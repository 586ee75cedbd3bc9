import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import { flushSync } from 'svelte';
import SearchResults from './SearchResults.svelte';
import type { SearchHit } from '../bindings/SearchHit';
import { lang } from '../i18n';
import { ACCOUNT } from '../testing/fixtures';

const internals = window as unknown as Record<string, unknown>;

function hit(uid: number, subject: string, folder: string): SearchHit {
  return {
    folder, uid, date: null, from: { name: 'Mairie', email: 'contact@mairie-exemple.fr' }, to: [], cc: [], subject,
    flags: [], size: 1, has_attachments: false, message_id: null, in_reply_to: null, references: [], thread_id: null,
  };
}

describe('SearchResults', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    internals.__TAURI_INTERNALS__ = {};
  });
  afterEach(() => {
    delete internals.__TAURI_INTERNALS__;
  });

  it('lists the hits with their folder, moves with the keyboard and opens with Enter', async () => {
    invoke.mockResolvedValue([hit(1, 'Budget', 'INBOX'), hit(2, 'Budget annexe', 'Archive')]);
    const onopen = vi.fn();
    const { component } = render(SearchResults, {
      account: ACCOUNT, query: 'budget', onopen, folderName: (f: string) => (f === 'INBOX' ? 'Boîte de réception' : f),
    });
    const list = await screen.findByRole('listbox', { name: 'Messages trouvés' });
    expect(screen.getByRole('option', { name: /Budget annexe/ }).textContent).toContain('Archive');
    expect(screen.getAllByRole('option')[0]!.textContent).toContain('Boîte de réception');
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    await fireEvent.keyDown(list, { key: 'j' });
    await fireEvent.keyDown(list, { key: 'Enter' });
    expect(onopen).toHaveBeenCalledWith(expect.objectContaining({ uid: 2, folder: 'Archive' }));
    flushSync(() => component.forget('Archive', 2));
    expect(screen.queryByRole('option', { name: /Budget annexe/ })).toBeNull();
    flushSync(() => component.previous());
    expect(onopen).toHaveBeenLastCalledWith(expect.objectContaining({ uid: 1 }));
  });

  it('says when nothing is found, and why a search failed', async () => {
    invoke.mockResolvedValueOnce([]);
    const { rerender } = render(SearchResults, { account: ACCOUNT, query: 'zzz' });
    expect(await screen.findByText('Aucun message trouvé')).toBeTruthy();
    invoke.mockRejectedValueOnce({ kind: 'storage', message: 'index corrompu' });
    await rerender({ account: ACCOUNT, query: 'yyy' });
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('Recherche impossible : Erreur du stockage local'));
  });
});
