import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import App from './App.svelte';
import { lang } from './lib/i18n';
import { ACCOUNT, DOVECOT_LIKE } from './lib/testing/fixtures';

const internals = window as unknown as Record<string, unknown>;
const account = { email: ACCOUNT, name: 'Agent', login: 'agent', imap: 'imap.exemple.fr', smtp: null, caldav: null };

describe('App', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
  });
  afterEach(() => {
    delete internals.__TAURI_INTERNALS__;
  });

  it('says so when no Tauri backend is there, without calling anything', async () => {
    render(App);
    expect(await screen.findByRole('heading', { name: 'Le moteur de Calame est absent' })).toBeTruthy();
    expect(invoke).not.toHaveBeenCalled();
  });

  it('speaks the language the app was started with', async () => {
    internals.__TAURI_INTERNALS__ = {};
    invoke.mockImplementation(async (cmd: string) => (cmd === 'ui_language' ? 'en' : []));
    render(App);
    expect(await screen.findByRole('heading', { name: 'No account configured' })).toBeTruthy();
    expect(invoke).toHaveBeenCalledWith('ui_language', undefined);
  });

  it('explains how to add an account when there is none', async () => {
    internals.__TAURI_INTERNALS__ = {};
    invoke.mockImplementation(async (cmd: string) => (cmd === 'accounts' ? [] : []));
    render(App);
    expect(await screen.findByRole('heading', { name: 'Aucun compte configuré' })).toBeTruthy();
    expect(screen.getByText('calame account add')).toBeTruthy();
  });

  it('shows a load error by kind, and retries', async () => {
    internals.__TAURI_INTERNALS__ = {};
    invoke.mockRejectedValue({ kind: 'tls_untrusted', message: 'certificat non reconnu pour imap.exemple.fr' });
    render(App);
    expect(await screen.findByRole('heading', { name: 'Certificat du serveur non reconnu' })).toBeTruthy();
    invoke.mockReset();
    invoke.mockImplementation(async (cmd: string) => (cmd === 'accounts' ? [account] : DOVECOT_LIKE));
    await fireEvent.click(screen.getByRole('button', { name: 'Réessayer' }));
    expect(await screen.findByRole('treeitem', { name: 'Demandes 4 non lus' })).toBeTruthy();
  });

  it('loads the cached tree, refreshes each account, and opens a folder', async () => {
    internals.__TAURI_INTERNALS__ = {};
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'ui_language') return 'fr';
      if (cmd === 'accounts') return [account];
      if (cmd === 'folders') return DOVECOT_LIKE;
      if (cmd === 'refresh_folders') throw { kind: 'network', message: 'impossible de joindre imap.exemple.fr' };
      throw { kind: 'not_found', message: cmd };
    });
    render(App);
    const demandes = await screen.findByRole('treeitem', { name: 'Demandes 4 non lus' });
    expect(screen.getByText('Sélectionnez un dossier')).toBeTruthy();
    expect(invoke).toHaveBeenCalledWith('refresh_folders', { account: ACCOUNT });
    expect(await screen.findByText('Actualisation impossible : Serveur injoignable')).toBeTruthy();
    await fireEvent.click(demandes);
    expect(demandes.getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('heading', { name: 'Demandes', level: 2 })).toBeTruthy();
    expect(screen.getByText('accueil · 90 messages · 4 non lus')).toBeTruthy();
  });
});
