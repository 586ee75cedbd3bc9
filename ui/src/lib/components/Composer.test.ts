import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));
const files = vi.hoisted(() => ({
  pickFiles: vi.fn(async () => [] as string[]),
  onFileDrop: vi.fn(async (_handler: (drag: FileDrag) => void) => () => {}),
}));
vi.mock('../files', () => files);

import { flushSync } from 'svelte';
import { get } from 'svelte/store';
import Composer from './Composer.svelte';
import type { ComposeStart } from '../bindings/ComposeStart';
import type { DraftInput } from '../bindings/DraftInput';
import type { Identity } from '../bindings/Identity';
import { composeNotice, composeRequest, type ComposeRequest } from '../compose';
import type { FileDrag } from '../files';
import { lang } from '../i18n';
import { ACCOUNT } from '../testing/fixtures';

const internals = window as unknown as Record<string, unknown>;
// 14:32 local time.
const NOW = new Date(2027, 2, 15, 14, 32);

const IDENTITIES: Identity[] = [
  { email: ACCOUNT, name: 'Camille Agent', mode: 'own', signature: 'Camille Agent', reply_to: null, sent_folder: null, discovered: false },
  {
    email: 'urbanisme@mairie-exemple.fr',
    name: 'Urbanisme',
    mode: 'on_behalf',
    signature: 'Service urbanisme',
    reply_to: null,
    sent_folder: null,
    discovered: true,
  },
];

const QUOTE = 'Le lundi 15 mars 2027 à 09:00, Jean Dupont a écrit :\n> Bonjour, où en est mon permis ?';

const ANSWER: ComposeStart = {
  draft: {
    from: null,
    on_behalf_of: null,
    to: [{ name: 'Jean Dupont', email: 'jean@exemple.fr' }],
    cc: [],
    bcc: [],
    subject: 'Re: Permis de construire',
    text: QUOTE,
    html: null,
    attachments: [],
    answering: { folder: 'INBOX', uid: 42, kind: 'reply' },
    draft_id: null,
    kept_attachments: null,
  },
  attachments: [],
};

type Handlers = Partial<Record<string, (args: Record<string, unknown>) => unknown>>;

function serve(handlers: Handlers = {}): void {
  invoke.mockImplementation(async (cmd: string, args: Record<string, unknown>) => {
    const handler = handlers[cmd];
    if (handler) return handler(args);
    if (cmd === 'identities') return IDENTITIES;
    if (cmd === 'compose_answer') return ANSWER;
    if (cmd === 'known_addresses') return [];
    if (cmd === 'save_draft') return { draft_id: 'brouillon-1@calame', status: 'saved', warning: null };
    if (cmd === 'send') return { message_id: 'm1@calame', status: 'sent', filed_in: 'Sent', warning: null };
    throw { kind: 'not_found', message: cmd };
  });
}

function calls(cmd: string): Record<string, unknown>[] {
  return invoke.mock.calls.filter(([c]) => c === cmd).map(([, args]) => args as Record<string, unknown>);
}

function sentDraft(): DraftInput {
  const sent = calls('send');
  expect(sent).toHaveLength(1);
  return sent[0]!.draft as DraftInput;
}

function open(request: ComposeRequest, props: Record<string, unknown> = {}) {
  composeRequest.set(request);
  return render(Composer, { request, now: () => NOW, ...props });
}

async function type(element: HTMLElement, value: string): Promise<void> {
  await fireEvent.input(element, { target: { value } });
}

describe('Composer', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    composeRequest.set(null);
    composeNotice.set(null);
    internals.__TAURI_INTERNALS__ = {};
  });
  afterEach(() => {
    vi.useRealTimers();
    delete internals.__TAURI_INTERNALS__;
  });

  it('prefills a reply from the core, writes above the quote and sends it as an answer', async () => {
    serve();
    open({ kind: 'reply', account: ACCOUNT, folder: 'INBOX', uid: 42 });
    const body = (await screen.findByRole('textbox', { name: 'Texte du message' })) as HTMLTextAreaElement;
    expect(screen.getByRole('dialog', { name: 'Réponse' })).toBeTruthy();
    expect(calls('compose_answer')).toEqual([{ account: ACCOUNT, answering: { folder: 'INBOX', uid: 42, kind: 'reply' } }]);
    expect((screen.getByLabelText('Objet') as HTMLInputElement).value).toBe('Re: Permis de construire');
    expect(screen.getByRole('list', { name: 'À' }).textContent).toContain('Jean Dupont');
    expect(body.value).toBe(`\n\n-- \nCamille Agent\n\n${QUOTE}`);
    await waitFor(() => expect(document.activeElement).toBe(body));
    expect(body.selectionStart).toBe(0);
    expect(body.getAttribute('lang')).toBe('fr');

    await type(body, `Bonjour, il est accordé.${body.value}`);
    await fireEvent.keyDown(body, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(calls('send')).toHaveLength(1));
    expect(sentDraft()).toMatchObject({
      to: [{ name: 'Jean Dupont', email: 'jean@exemple.fr' }],
      subject: 'Re: Permis de construire',
      text: `Bonjour, il est accordé.\n\n-- \nCamille Agent\n\n${QUOTE}`,
      answering: { folder: 'INBOX', uid: 42, kind: 'reply' },
      from: null,
      on_behalf_of: null,
    });
    await waitFor(() => expect(get(composeRequest)).toBeNull());
    expect(get(composeNotice)).toBe('Message envoyé');
  });

  it('sends on behalf of a service mailbox when that identity is picked, swapping the signature', async () => {
    serve({ send: () => ({ message_id: 'm2@calame', status: 'queued', filed_in: null, warning: null }) });
    open({ kind: 'new', account: ACCOUNT });
    const to = await screen.findByRole('combobox', { name: 'À' });
    await waitFor(() => expect(document.activeElement).toBe(to));
    const from = screen.getByLabelText('De') as HTMLSelectElement;
    expect([...from.options].map((o) => o.textContent)).toEqual([
      'Camille Agent <agent@mairie-exemple.fr>',
      'urbanisme@mairie-exemple.fr (de la part de)',
    ]);
    const body = screen.getByRole('textbox', { name: 'Texte du message' }) as HTMLTextAreaElement;
    expect(body.value).toBe('\n\n-- \nCamille Agent');

    await fireEvent.change(from, { target: { value: from.options[1]!.value } });
    expect(body.value).toBe('\n\n-- \nService urbanisme');
    await type(to, 'jean@exemple.fr');
    await fireEvent.keyDown(to, { key: ';' });
    await type(screen.getByLabelText('Objet'), 'Votre dossier');
    await fireEvent.click(screen.getByRole('button', { name: 'Envoyer' }));
    await waitFor(() => expect(calls('send')).toHaveLength(1));
    expect(sentDraft()).toMatchObject({
      from: null,
      on_behalf_of: 'urbanisme@mairie-exemple.fr',
      to: [{ name: null, email: 'jean@exemple.fr' }],
      subject: 'Votre dossier',
      answering: null,
    });
    await waitFor(() => expect(get(composeNotice)).toBe('Message placé dans la boîte d’envoi : il partira dès que possible'));
  });

  it('starts new mail from a service mailbox as that service', async () => {
    serve();
    open({ kind: 'new', account: ACCOUNT }, { serviceOwner: 'urbanisme' });
    const from = (await screen.findByLabelText('De')) as HTMLSelectElement;
    expect(from.selectedOptions[0]?.textContent).toBe('urbanisme@mairie-exemple.fr (de la part de)');
  });

  it('picks a known address with the keyboard', async () => {
    serve({
      known_addresses: () => [
        { name: 'Marie Curie', email: 'marie@exemple.fr' },
        { name: 'Marc Durand', email: 'marc@exemple.fr' },
      ],
    });
    open({ kind: 'new', account: ACCOUNT });
    const to = await screen.findByRole('combobox', { name: 'À' });
    await type(to, 'mar');
    const listbox = await screen.findByRole('listbox', { name: 'Adresses connues' });
    expect(calls('known_addresses')).toEqual([{ account: ACCOUNT, prefix: 'mar', limit: 8 }]);
    expect(to.getAttribute('aria-expanded')).toBe('true');
    await fireEvent.keyDown(to, { key: 'ArrowDown' });
    await fireEvent.keyDown(to, { key: 'ArrowDown' });
    const second = within(listbox).getAllByRole('option')[1]!;
    expect(to.getAttribute('aria-activedescendant')).toBe(second.id);
    expect(second.getAttribute('aria-selected')).toBe('true');
    await fireEvent.keyDown(to, { key: 'Enter' });
    expect((to as HTMLInputElement).value).toBe('');
    expect(to.getAttribute('aria-expanded')).toBe('false');
    expect(screen.getByRole('list', { name: 'À' }).textContent).toContain('Marc Durand');

    // Escape closes the list, not the composer; Backspace in the empty input removes the token.
    await type(to, 'mar');
    await screen.findByRole('option', { name: /Marie Curie/ });
    await fireEvent.keyDown(to, { key: 'Escape' });
    expect(to.getAttribute('aria-expanded')).toBe('false');
    expect(screen.getByRole('dialog')).toBeTruthy();
    await type(to, '');
    await fireEvent.keyDown(to, { key: 'Backspace' });
    expect(screen.queryByRole('list', { name: 'À' })).toBeNull();
  });

  it('shows what is not an address as an error and does not send', async () => {
    serve();
    open({ kind: 'new', account: ACCOUNT });
    const to = await screen.findByRole('combobox', { name: 'À' });
    await type(to, 'jean.dupont@mairie');
    await fireEvent.keyDown(to, { key: ',' });
    expect(to.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Adresse non valide : jean.dupont@mairie')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Envoyer' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Corrigez les adresses non valides');
    expect(calls('send')).toEqual([]);
  });

  it('saves a draft 3 s after the last change, then replaces it with the id it got', async () => {
    vi.useFakeTimers();
    serve();
    open({ kind: 'new', account: ACCOUNT });
    await vi.advanceTimersByTimeAsync(0);
    const subject = screen.getByLabelText('Objet');
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls('save_draft')).toEqual([]);

    await type(subject, 'Réunion');
    await vi.advanceTimersByTimeAsync(2000);
    await type(subject, 'Réunion de chantier');
    await vi.advanceTimersByTimeAsync(2900);
    expect(calls('save_draft')).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(calls('save_draft')).toHaveLength(1);
    expect(calls('save_draft')[0]!.draft).toMatchObject({ subject: 'Réunion de chantier', draft_id: null });
    flushSync();
    expect(screen.getAllByRole('status').some((s) => s.textContent === 'Brouillon enregistré à 14:32')).toBe(true);

    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls('save_draft')).toHaveLength(1);
    await type(subject, 'Réunion de chantier lundi');
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls('save_draft')).toHaveLength(2);
    expect(calls('save_draft')[1]!.draft).toMatchObject({
      subject: 'Réunion de chantier lundi',
      draft_id: 'brouillon-1@calame',
    });
  });

  it('never runs two saves at once, and says when a draft stays on this device', async () => {
    let release: (() => void) | null = null;
    serve({
      save_draft: () =>
        new Promise((resolve) => {
          release = () => resolve({ draft_id: 'brouillon-2@calame', status: 'local', warning: null });
        }),
    });
    open({ kind: 'new', account: ACCOUNT }, { autosaveDelay: 10 });
    const subject = await screen.findByLabelText('Objet');
    await type(subject, 'Un');
    await waitFor(() => expect(calls('save_draft')).toHaveLength(1));
    await type(subject, 'Deux');
    await fireEvent.keyDown(subject, { key: 's', ctrlKey: true });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls('save_draft')).toHaveLength(1);
    release!();
    await waitFor(() => expect(calls('save_draft')).toHaveLength(2));
    expect(calls('save_draft')[1]!.draft).toMatchObject({ subject: 'Deux', draft_id: 'brouillon-2@calame' });
    release!();
    await screen.findByText('Brouillon enregistré sur cet appareil (hors ligne)');
  });

  it('keeps what was written when it goes without being closed (replaced by another message)', async () => {
    serve();
    const { unmount } = open({ kind: 'new', account: ACCOUNT });
    await type(await screen.findByLabelText('Objet'), 'Inachevé');
    unmount();
    await waitFor(() => expect(calls('save_draft')).toHaveLength(1));
    expect(calls('save_draft')[0]!.draft).toMatchObject({ subject: 'Inachevé', draft_id: null });
  });

  it('asks before sending when the text speaks of an attachment and none is joined', async () => {
    serve();
    open({ kind: 'new', account: ACCOUNT });
    const to = await screen.findByRole('combobox', { name: 'À' });
    await type(to, 'Jean Dupont <jean@exemple.fr>');
    await fireEvent.keyDown(to, { key: 'Enter' });
    await type(screen.getByLabelText('Objet'), 'Plan');
    const body = screen.getByRole('textbox', { name: 'Texte du message' });
    await type(body, 'Bonjour,\nveuillez trouver ci-joint le plan.');
    await fireEvent.click(screen.getByRole('button', { name: 'Envoyer' }));
    const ask = await screen.findByRole('alertdialog', { name: 'Avant d’envoyer' });
    expect(ask.textContent).toContain('Le texte parle d’une pièce jointe');
    expect(document.activeElement).toBe(within(ask).getByRole('button', { name: 'Envoyer quand même' }));
    expect(calls('send')).toEqual([]);

    await fireEvent.click(within(ask).getByRole('button', { name: 'Annuler' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(calls('send')).toEqual([]);

    await fireEvent.click(screen.getByRole('button', { name: 'Envoyer' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Envoyer quand même' }));
    await waitFor(() => expect(calls('send')).toHaveLength(1));
    expect(sentDraft().to).toEqual([{ name: 'Jean Dupont', email: 'jean@exemple.fr' }]);
  });

  it('passes on what the core warns about a sent message', async () => {
    serve({
      send: () => ({ message_id: 'm3@calame', status: 'sent', filed_in: null, warning: 'copie non classée dans Envoyés' }),
    });
    open({ kind: 'reply', account: ACCOUNT, folder: 'INBOX', uid: 42 });
    await fireEvent.click(await screen.findByRole('button', { name: 'Envoyer' }));
    await waitFor(() => expect(get(composeNotice)).toBe('Message envoyé. Attention : copie non classée dans Envoyés'));
  });

  it('saves the draft before closing when asked to', async () => {
    serve();
    open({ kind: 'new', account: ACCOUNT });
    const subject = await screen.findByLabelText('Objet');
    await type(subject, 'À reprendre');
    await fireEvent.click(screen.getByRole('button', { name: 'Fermer' }));
    const ask = await screen.findByRole('alertdialog', { name: 'Enregistrer le brouillon ?' });
    await fireEvent.click(within(ask).getByRole('button', { name: 'Annuler' }));
    expect(get(composeRequest)).not.toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Fermer' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Enregistrer' }));
    await waitFor(() => expect(get(composeRequest)).toBeNull());
    expect(calls('save_draft')).toHaveLength(1);
    expect(calls('save_draft')[0]!.draft).toMatchObject({ subject: 'À reprendre' });
  });

  it('keeps the form open with the error when sending fails', async () => {
    serve({ send: () => Promise.reject({ kind: 'network', message: 'smtp.exemple.fr injoignable' }) });
    open({ kind: 'reply', account: ACCOUNT, folder: 'INBOX', uid: 42 });
    await fireEvent.click(await screen.findByRole('button', { name: 'Envoyer' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Message non envoyé : Serveur injoignable');
    expect(alert.textContent).toContain('smtp.exemple.fr injoignable');
    expect(get(composeRequest)).not.toBeNull();
    expect((screen.getByRole('button', { name: 'Envoyer' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('asks whether to keep the draft when closing a changed form, and can delete it', async () => {
    serve({ delete_draft: () => ({ draft_id: 'brouillon-1@calame', status: 'deleted', warning: null }) });
    open({ kind: 'new', account: ACCOUNT });
    const subject = await screen.findByLabelText('Objet');
    await type(subject, 'Brouillon');
    await fireEvent.keyDown(subject, { key: 's', ctrlKey: true });
    await waitFor(() => expect(calls('save_draft')).toHaveLength(1));
    await type(subject, 'Brouillon modifié');
    await fireEvent.keyDown(subject, { key: 'Escape' });
    const ask = await screen.findByRole('alertdialog', { name: 'Enregistrer le brouillon ?' });
    await fireEvent.click(within(ask).getByRole('button', { name: 'Supprimer' }));
    await waitFor(() => expect(get(composeRequest)).toBeNull());
    expect(calls('delete_draft')).toEqual([{ account: ACCOUNT, draftId: 'brouillon-1@calame' }]);
    expect(calls('save_draft')).toHaveLength(1);
  });

  it('continues a draft as it was left, saving over the same draft', async () => {
    serve({
      compose_draft: () => ({
        draft: { ...ANSWER.draft, text: 'Début du texte\n-- \nCamille Agent', draft_id: 'brouillon-7@calame' },
        attachments: [],
      }),
    });
    open({ kind: 'draft', account: ACCOUNT, draftId: 'brouillon-7@calame' }, { autosaveDelay: 10 });
    const body = (await screen.findByRole('textbox', { name: 'Texte du message' })) as HTMLTextAreaElement;
    expect(calls('compose_draft')).toEqual([{ account: ACCOUNT, draftId: 'brouillon-7@calame' }]);
    expect(screen.getByRole('dialog', { name: 'Brouillon' })).toBeTruthy();
    expect(body.value).toBe('Début du texte\n-- \nCamille Agent');
    await type(body, `Suite. ${body.value}`);
    await waitFor(() => expect(calls('save_draft')).toHaveLength(1));
    expect(calls('save_draft')[0]!.draft).toMatchObject({ draft_id: 'brouillon-7@calame', answering: ANSWER.draft.answering });
  });

  it('highlights the drop zone while files are dragged over, and attaches the dropped ones', async () => {
    let drag: ((d: FileDrag) => void) | null = null;
    files.onFileDrop.mockImplementationOnce(async (handler) => {
      drag = handler;
      return () => {};
    });
    serve();
    open({ kind: 'new', account: ACCOUNT });
    await screen.findByRole('combobox', { name: 'À' });
    await waitFor(() => expect(drag).not.toBeNull());
    flushSync(() => drag!({ type: 'over' }));
    expect(screen.getByText('Déposez les fichiers ici pour les joindre')).toBeTruthy();
    flushSync(() => drag!({ type: 'drop', paths: ['/home/agent/arrêté.odt'] }));
    expect(screen.queryByText('Déposez les fichiers ici pour les joindre')).toBeNull();
    expect(within(screen.getByRole('region', { name: 'Pièces jointes' })).getByText('arrêté.odt')).toBeTruthy();
  });

  it('adds picked files and drops carried attachments from what is kept', async () => {
    files.pickFiles.mockResolvedValueOnce(['/home/agent/Documents/plan.pdf']);
    serve({
      compose_answer: () => ({
        draft: { ...ANSWER.draft, subject: 'TR: Plans', to: [], answering: { folder: 'INBOX', uid: 42, kind: 'forward' } },
        attachments: [
          { name: 'a.pdf', size: 2048 },
          { name: 'b.pdf', size: 1024 },
        ],
      }),
    });
    open({ kind: 'forward', account: ACCOUNT, folder: 'INBOX', uid: 42 });
    const list = await screen.findByRole('region', { name: 'Pièces jointes' });
    await fireEvent.click(within(list).getByRole('button', { name: 'Retirer la pièce jointe a.pdf' }));
    await fireEvent.click(within(list).getByRole('button', { name: 'Joindre des fichiers' }));
    await within(list).findByText('plan.pdf');
    const to = screen.getByRole('combobox', { name: 'À' });
    await type(to, 'marie@exemple.fr');
    await fireEvent.click(screen.getByRole('button', { name: 'Envoyer' }));
    await waitFor(() => expect(calls('send')).toHaveLength(1));
    expect(sentDraft()).toMatchObject({
      to: [{ name: null, email: 'marie@exemple.fr' }],
      attachments: ['/home/agent/Documents/plan.pdf'],
      kept_attachments: ['b.pdf'],
      answering: { folder: 'INBOX', uid: 42, kind: 'forward' },
    });
  });
});
