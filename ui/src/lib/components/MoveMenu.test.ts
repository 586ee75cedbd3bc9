import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import MoveMenu from './MoveMenu.svelte';
import Reader from './Reader.svelte';
import type { Folder } from '../bindings/Folder';
import { lang } from '../i18n';
import { act } from '../ipc';
import { moveTargets } from '../messageMove';
import { ACCOUNT, DOVECOT_LIKE } from '../testing/fixtures';

const internals = window as unknown as Record<string, unknown>;
const TARGETS = moveTargets(DOVECOT_LIKE, { account: ACCOUNT, folder: 'INBOX' });

function names(): string[] {
  return screen.getAllByRole('option').map((o) => o.textContent?.trim() ?? '');
}

function active(): string {
  const list = screen.getByRole('listbox');
  const id = list.getAttribute('aria-activedescendant');
  return id ? (document.getElementById(id)?.textContent?.trim() ?? '') : '';
}

describe('MoveMenu', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    internals.__TAURI_INTERNALS__ = {};
  });
  afterEach(() => {
    delete internals.__TAURI_INTERNALS__;
  });

  it('lists only the folders that may receive the message, never read-only ones', async () => {
    render(MoveMenu, { targets: TARGETS, onchoose: vi.fn() });
    const button = screen.getByRole('button', { name: 'Déplacer vers…' });
    expect(button.getAttribute('aria-haspopup')).toBe('listbox');
    await fireEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    const shown = names();
    expect(shown).toContain('Archives');
    expect(shown).toContain('Demandes — accueil');
    expect(shown).not.toContain('Boîte de réception');
    expect(shown.some((n) => n.startsWith('Boîte de réception — accueil'))).toBe(false);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('listbox')));
  });

  it('is driven by the keyboard: arrows, type-ahead, Enter; Escape closes and gives the focus back', async () => {
    const onchoose = vi.fn();
    render(MoveMenu, { targets: TARGETS, onchoose });
    const button = screen.getByRole('button', { name: 'Déplacer vers…' });
    await fireEvent.click(button);
    const list = screen.getByRole('listbox');
    expect(active()).toBe(names()[0]);
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(active()).toBe(names()[1]);
    await fireEvent.keyDown(list, { key: 'End' });
    expect(active()).toBe(names()[names().length - 1]);
    await fireEvent.keyDown(list, { key: 'a' });
    expect(active()).toBe('Archives');
    await fireEvent.keyDown(list, { key: 'Escape' });
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(document.activeElement).toBe(button);
    expect(onchoose).not.toHaveBeenCalled();

    await fireEvent.click(button);
    await fireEvent.keyDown(screen.getByRole('listbox'), { key: 'a' });
    await fireEvent.keyDown(screen.getByRole('listbox'), { key: 'Enter' });
    expect(onchoose).toHaveBeenCalledWith(expect.objectContaining({ name: 'Archive' }));
    expect(screen.queryByRole('listbox')).toBeNull();
  });

  it('moves with a click on a folder', async () => {
    const onchoose = vi.fn();
    render(MoveMenu, { targets: TARGETS, onchoose });
    await fireEvent.click(screen.getByRole('button', { name: 'Déplacer vers…' }));
    await fireEvent.click(screen.getByRole('option', { name: 'Demandes — accueil' }));
    expect(onchoose).toHaveBeenCalledWith(expect.objectContaining({ name: 'Shared/accueil/Demandes' }));
  });

  it('says so when no folder can take the message', async () => {
    render(MoveMenu, { targets: [], onchoose: vi.fn() });
    await fireEvent.click(screen.getByRole('button', { name: 'Déplacer vers…' }));
    expect(screen.getByText('Aucun dossier ne peut recevoir ce message')).toBeTruthy();
  });

  it('in the reader, moves the message with act and the right action', async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'read_message') {
        return {
          headers: { from: [], to: [], cc: [], reply_to: [], sender: null, subject: 'Budget', date: null, message_id: null, in_reply_to: [], references: [] },
          text: 'Bonjour',
          html: null,
          blocked: [],
          remote_allowed: null,
          attachments: [],
          invitation: null,
          truncated: false,
        };
      }
      return null;
    });
    const ondelete = vi.fn();
    const onmove = (dest: Folder): void => void act(ACCOUNT, { action: 'move', folder: 'INBOX', uids: [42], dest: dest.name });
    render(Reader, { account: ACCOUNT, folder: 'INBOX', uid: 42, moveTargets: TARGETS, onmove, ondelete });
    await fireEvent.click(await screen.findByRole('button', { name: 'Déplacer vers…' }));
    await fireEvent.click(screen.getByRole('option', { name: 'Archives' }));
    expect(invoke).toHaveBeenCalledWith('act', {
      account: ACCOUNT,
      action: { action: 'move', folder: 'INBOX', uids: [42], dest: 'Archive' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Supprimer ce message' }));
    expect(ondelete).toHaveBeenCalled();
  });
});
