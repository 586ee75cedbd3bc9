import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import AccountWizard from './AccountWizard.svelte';
import { lang } from '../i18n';

const internals = window as unknown as Record<string, unknown>;
const FINGERPRINT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const summary = {
  email: 'agent@mairie-exemple.fr', name: 'Agent', login: 'agent@mairie-exemple.fr',
  imap: 'imap.mairie-exemple.fr:993', smtp: 'smtp.mairie-exemple.fr:465', caldav: null,
};

async function fill(): Promise<void> {
  await fireEvent.input(screen.getByLabelText('Adresse électronique'), { target: { value: 'agent@mairie-exemple.fr' } });
  await fireEvent.input(screen.getByLabelText('Mot de passe'), { target: { value: 'secret' } });
  await fireEvent.input(screen.getByLabelText('Nom affiché'), { target: { value: 'Agent Accueil' } });
}

const addCalls = () => invoke.mock.calls.filter(([cmd]) => cmd === 'add_account');

describe('AccountWizard', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    internals.__TAURI_INTERNALS__ = {};
  });
  afterEach(() => {
    delete internals.__TAURI_INTERNALS__;
  });

  it('fills in the servers the provider publishes, unless the user changed them', async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'discover_account') {
        return {
          email: 'agent@mairie-exemple.fr', name: null, login: 'agent', imap: 'mail.mairie-exemple.fr:143',
          smtp: 'mail.mairie-exemple.fr:587', caldav: null, tls: 'starttls', smtp_tls: 'starttls', trust_cert: null,
        };
      }
      throw { kind: 'other', message: cmd };
    });
    render(AccountWizard, { first: true, onadded: vi.fn() });
    const address = screen.getByLabelText('Adresse électronique');
    await fireEvent.input(address, { target: { value: 'agent@mairie-exemple.fr' } });
    await fireEvent.change(address);
    await screen.findByText(/publiés par votre messagerie/);
    expect(invoke).toHaveBeenCalledWith('discover_account', { email: 'agent@mairie-exemple.fr' });
    await fireEvent.click(screen.getByText('Paramètres des serveurs'));
    const hosts = screen.getAllByLabelText('Serveur') as HTMLInputElement[];
    expect(hosts.map((h) => h.value)).toEqual(['mail.mairie-exemple.fr', 'mail.mairie-exemple.fr']);
    const ports = screen.getAllByLabelText('Port') as HTMLInputElement[];
    expect(ports.map((p) => p.value)).toEqual(['143', '587']);
    expect((screen.getByLabelText('Identifiant') as HTMLInputElement).value).toBe('agent');
  });

  it('guesses the servers from the address and adds the account', async () => {
    let answer: (value: unknown) => void = () => {};
    invoke.mockImplementation(() => new Promise((resolve) => (answer = resolve)));
    const onadded = vi.fn();
    render(AccountWizard, { first: true, onadded });
    await fill();
    expect((screen.getByLabelText('Se souvenir du mot de passe') as HTMLInputElement).checked).toBe(true);
    await fireEvent.click(screen.getByText('Paramètres des serveurs'));
    const hosts = screen.getAllByLabelText('Serveur') as HTMLInputElement[];
    expect(hosts.map((h) => h.value)).toEqual(['imap.mairie-exemple.fr', 'smtp.mairie-exemple.fr']);
    expect((screen.getByLabelText('Adresse de l’agenda (CalDAV)') as HTMLInputElement).value).toBe('');
    await fireEvent.click(screen.getByRole('button', { name: 'Ajouter le compte' }));
    expect(screen.getByRole('status').textContent).toBe('Connexion au serveur…');
    expect((screen.getByRole('button', { name: 'Ajouter le compte' }) as HTMLButtonElement).disabled).toBe(true);
    expect(addCalls()).toEqual([
      [
        'add_account',
        {
          setup: {
            email: 'agent@mairie-exemple.fr', name: 'Agent Accueil', login: null,
            imap: 'imap.mairie-exemple.fr:993', smtp: 'smtp.mairie-exemple.fr:465', caldav: null,
            tls: 'implicit', smtp_tls: 'implicit', trust_cert: null,
          },
          password: 'secret',
          remember: true,
        },
      ],
    ]);
    answer(summary);
    await waitFor(() => expect(onadded).toHaveBeenCalledWith(summary));
  });

  it('keeps the servers the user typed, and moves the port with the security', async () => {
    invoke.mockResolvedValue(summary);
    render(AccountWizard, { onadded: vi.fn() });
    await fireEvent.click(screen.getByText('Paramètres des serveurs'));
    const [imapHost] = screen.getAllByLabelText('Serveur') as HTMLInputElement[];
    await fireEvent.input(imapHost!, { target: { value: 'mail.cdg-exemple.fr' } });
    await fill();
    expect(imapHost!.value).toBe('mail.cdg-exemple.fr');
    const [imapSecurity] = screen.getAllByLabelText('Sécurité') as HTMLSelectElement[];
    await fireEvent.change(imapSecurity!, { target: { value: 'starttls' } });
    expect((screen.getAllByLabelText('Port')[0] as HTMLInputElement).value).toBe('143');
    await fireEvent.change(imapSecurity!, { target: { value: 'none' } });
    expect(screen.getByText(/permis seulement pour un serveur sur ce poste/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Ajouter le compte' }));
    expect(addCalls()).toEqual([]);
  });

  it('says the address or password was refused', async () => {
    invoke.mockRejectedValue({ kind: 'auth', message: 'LOGIN failed' });
    render(AccountWizard, { onadded: vi.fn() });
    await fill();
    await fireEvent.click(screen.getByRole('button', { name: 'Ajouter le compte' }));
    expect(await screen.findByText('Adresse ou mot de passe refusé')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('LOGIN failed');
  });

  it('names the server it cannot reach', async () => {
    invoke.mockRejectedValue({ kind: 'network', message: 'smtp.mairie-exemple.fr:465: connection refused' });
    render(AccountWizard, { onadded: vi.fn() });
    await fill();
    await fireEvent.click(screen.getByRole('button', { name: 'Ajouter le compte' }));
    expect(await screen.findByText(/Impossible de joindre le serveur smtp\.mairie-exemple\.fr\./)).toBeTruthy();
  });

  it('shows an untrusted certificate and retries with its fingerprint only when asked', async () => {
    invoke.mockRejectedValueOnce({
      kind: 'tls_untrusted', message: 'certificat non reconnu pour imap.mairie-exemple.fr', fingerprint: FINGERPRINT,
    });
    invoke.mockResolvedValueOnce(summary);
    const onadded = vi.fn();
    render(AccountWizard, { onadded });
    await fill();
    await fireEvent.click(screen.getByRole('button', { name: 'Ajouter le compte' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Certificat non reconnu' });
    expect(dialog.textContent).toContain('imap.mairie-exemple.fr');
    expect(dialog.textContent).toContain('A1:B2:C3:D4:E5:F6:07:18:29:3A');
    expect(document.activeElement?.textContent).toBe('Annuler');
    expect(addCalls()).toHaveLength(1);
    await fireEvent.click(screen.getByRole('button', { name: 'Faire confiance à ce certificat' }));
    await waitFor(() => expect(onadded).toHaveBeenCalledWith(summary));
    expect(addCalls()).toHaveLength(2);
    expect((addCalls()[1]![1] as { setup: { trust_cert: string } }).setup.trust_cert).toBe(FINGERPRINT);
    expect((addCalls()[0]![1] as { setup: { trust_cert: string | null } }).setup.trust_cert).toBeNull();
  });

  it('adds nothing when the certificate is refused', async () => {
    invoke.mockRejectedValue({ kind: 'tls_untrusted', message: 'imap.mairie-exemple.fr', fingerprint: FINGERPRINT });
    render(AccountWizard, { onadded: vi.fn() });
    await fill();
    await fireEvent.click(screen.getByRole('button', { name: 'Ajouter le compte' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Annuler' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(screen.getByText(/n’a pas été accepté/)).toBeTruthy();
    expect(addCalls()).toHaveLength(1);
  });
});
