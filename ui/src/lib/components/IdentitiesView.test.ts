import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import IdentitiesView from './IdentitiesView.svelte';
import type { Identity } from '../bindings/Identity';
import { lang } from '../i18n';
import { ACCOUNT } from '../testing/fixtures';

const internals = window as unknown as Record<string, unknown>;

const OWN: Identity = {
  email: ACCOUNT,
  name: 'Agent',
  mode: 'own',
  signature: 'Agent\nMairie',
  reply_to: null,
  sent_folder: null,
  discovered: false,
};
const SERVICE: Identity = {
  email: 'etat-civil@mairie-exemple.fr',
  name: 'État civil',
  mode: 'send_as',
  signature: null,
  reply_to: null,
  sent_folder: null,
  discovered: true,
};
const CONFIGURED: Identity = { ...SERVICE, email: 'elus@mairie-exemple.fr', name: 'Élus', mode: 'on_behalf', discovered: false };

let stored: Identity[] = [];

function serve(failOn: string | null = null): void {
  invoke.mockImplementation(async (cmd: string, args: { identity?: Identity; address?: string }) => {
    if (cmd === failOn) throw { kind: 'refused', message: 'non' };
    if (cmd === 'identities') return stored;
    if (cmd === 'set_identity') {
      const identity = args.identity!;
      stored = [...stored.filter((i) => i.email !== identity.email), identity];
      return null;
    }
    if (cmd === 'remove_identity') {
      stored = stored.filter((i) => i.email !== args.address);
      return null;
    }
    throw { kind: 'not_found', message: cmd };
  });
}

const calls = (cmd: string) => invoke.mock.calls.filter(([c]) => c === cmd).map(([, args]) => args);

describe('IdentitiesView', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    internals.__TAURI_INTERNALS__ = {};
    // The core's order: the service mailbox before the account's own address.
    stored = [SERVICE, OWN, CONFIGURED];
  });
  afterEach(() => {
    delete internals.__TAURI_INTERNALS__;
  });

  it('lists each account’s identities, its own address first, service mailboxes marked', async () => {
    serve();
    render(IdentitiesView, { accounts: [ACCOUNT], onclose: vi.fn() });
    expect(screen.getByRole('dialog', { name: 'Identités et signatures' })).toBeTruthy();
    const section = await screen.findByRole('region', { name: `Compte ${ACCOUNT}` });
    await waitFor(() => expect(within(section).getAllByRole('listitem')).toHaveLength(3));
    const items = within(section).getAllByRole('listitem');
    expect(items[0]!.textContent).toContain('Adresse du compte');
    expect(items[1]!.textContent).toContain('Boîte de service');
    expect(items[2]!.textContent).toContain('De la part de');
    // Only the configured address can be removed.
    expect(screen.queryByRole('button', { name: `Supprimer l’identité ${ACCOUNT}` })).toBeNull();
    expect(screen.queryByRole('button', { name: `Supprimer l’identité ${SERVICE.email}` })).toBeNull();
    expect(screen.getByRole('button', { name: `Supprimer l’identité ${CONFIGURED.email}` })).toBeTruthy();
  });

  it('edits an identity: name, signature, reply-to, sent folder, mode; focus back on its button', async () => {
    serve();
    render(IdentitiesView, { accounts: [ACCOUNT], onclose: vi.fn() });
    const edit = await screen.findByRole('button', { name: `Modifier l’identité ${SERVICE.email}` });
    await fireEvent.click(edit);
    const form = screen.getByRole('form', { name: `Identité ${SERVICE.email}` });
    const name = within(form).getByLabelText('Nom affiché') as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(name));
    expect(name.value).toBe('État civil');
    await fireEvent.input(name, { target: { value: 'Service de l’état civil' } });
    await fireEvent.input(within(form).getByLabelText('Signature'), { target: { value: 'État civil\nMairie d’Exemple\n' } });
    await fireEvent.input(within(form).getByLabelText('Répondre à'), { target: { value: 'accueil@mairie-exemple.fr' } });
    await fireEvent.input(within(form).getByLabelText('Dossier des envoyés'), { target: { value: 'Partagé/etat-civil/Envoyés' } });
    await fireEvent.click(within(form).getByRole('radio', { name: 'De la part de' }));
    await fireEvent.click(within(form).getByRole('button', { name: 'Enregistrer' }));
    await screen.findByText(`Identité ${SERVICE.email} enregistrée.`);
    expect(calls('set_identity')).toEqual([
      {
        account: ACCOUNT,
        identity: {
          email: SERVICE.email,
          name: 'Service de l’état civil',
          mode: 'on_behalf',
          signature: 'État civil\nMairie d’Exemple',
          reply_to: 'accueil@mairie-exemple.fr',
          sent_folder: 'Partagé/etat-civil/Envoyés',
          discovered: true,
        },
      },
    ]);
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole('button', { name: `Modifier l’identité ${SERVICE.email}` })),
    );
  });

  it('adds an identity for another address, checked first', async () => {
    serve();
    render(IdentitiesView, { accounts: [ACCOUNT], onclose: vi.fn() });
    await fireEvent.click(await screen.findByRole('button', { name: 'Ajouter une identité' }));
    const form = screen.getByRole('form', { name: 'Nouvelle identité' });
    const address = within(form).getByLabelText('Adresse') as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(address));
    expect((within(form).getByRole('radio', { name: 'Envoyer en tant que' }) as HTMLInputElement).checked).toBe(true);
    await fireEvent.input(address, { target: { value: 'urbanisme@mairie' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Enregistrer' }));
    expect(address.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/Saisissez une adresse valide/)).toBeTruthy();
    await fireEvent.input(address, { target: { value: 'ELUS@mairie-exemple.fr' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Enregistrer' }));
    expect(screen.getByText('Cette adresse a déjà une identité.')).toBeTruthy();
    expect(calls('set_identity')).toEqual([]);
    await fireEvent.input(address, { target: { value: 'urbanisme@mairie-exemple.fr' } });
    await fireEvent.input(within(form).getByLabelText('Nom affiché'), { target: { value: 'Urbanisme' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Enregistrer' }));
    await screen.findByText('Identité urbanisme@mairie-exemple.fr enregistrée.');
    expect(calls('set_identity')[0]).toMatchObject({
      identity: { email: 'urbanisme@mairie-exemple.fr', name: 'Urbanisme', mode: 'send_as', discovered: false },
    });
    expect(await screen.findByRole('button', { name: 'Modifier l’identité urbanisme@mairie-exemple.fr' })).toBeTruthy();
  });

  it('removes a configured identity after confirmation', async () => {
    serve();
    render(IdentitiesView, { accounts: [ACCOUNT], onclose: vi.fn() });
    await fireEvent.click(await screen.findByRole('button', { name: `Supprimer l’identité ${CONFIGURED.email}` }));
    const confirm = screen.getByRole('alertdialog', { name: `Supprimer l’identité ${CONFIGURED.email} ?` });
    const yes = within(confirm).getByRole('button', { name: 'Supprimer' });
    await waitFor(() => expect(document.activeElement).toBe(yes));
    // Escape dismisses the confirmation, not the panel.
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(calls('remove_identity')).toEqual([]);
    await fireEvent.click(screen.getByRole('button', { name: `Supprimer l’identité ${CONFIGURED.email}` }));
    await fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Supprimer' }));
    await screen.findByText(`Identité ${CONFIGURED.email} supprimée.`);
    expect(calls('remove_identity')).toEqual([{ account: ACCOUNT, address: CONFIGURED.email }]);
    await waitFor(() => expect(screen.queryByText(/Élus/)).toBeNull());
  });

  it('says why the identities could not be loaded or saved', async () => {
    serve('set_identity');
    render(IdentitiesView, { accounts: [ACCOUNT], onclose: vi.fn() });
    await fireEvent.click(await screen.findByRole('button', { name: `Modifier l’identité ${ACCOUNT}` }));
    await fireEvent.click(screen.getByRole('button', { name: 'Enregistrer' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Impossible d’enregistrer l’identité');
    // The editor stays open with what was typed.
    expect(screen.getByRole('form')).toBeTruthy();
  });

  it('says when an account’s identities cannot be read', async () => {
    serve('identities');
    render(IdentitiesView, { accounts: [ACCOUNT], onclose: vi.fn() });
    expect((await screen.findByRole('alert')).textContent).toContain('Impossible de charger les identités');
  });

  it('closes the editor on Escape, then the panel', async () => {
    serve();
    const onclose = vi.fn();
    render(IdentitiesView, { accounts: [ACCOUNT], onclose });
    await fireEvent.click(await screen.findByRole('button', { name: `Modifier l’identité ${ACCOUNT}` }));
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByRole('form')).toBeNull();
    expect(onclose).not.toHaveBeenCalled();
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(onclose).toHaveBeenCalledTimes(1);
  });
});
