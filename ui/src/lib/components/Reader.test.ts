import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));
const dialog = vi.hoisted(() => ({ open: vi.fn(), save: vi.fn() }));
vi.mock('@tauri-apps/plugin-dialog', () => dialog);

import { get } from 'svelte/store';
import Reader from './Reader.svelte';
import { composeRequest } from '../compose';
import type { Message } from '../bindings/Message';
import { fileSize } from '../format';
import { lang } from '../i18n';
import { ACCOUNT } from '../testing/fixtures';

const internals = window as unknown as Record<string, unknown>;
const props = { account: ACCOUNT, folder: 'INBOX', uid: 42 };

function message(partial: Partial<Message> = {}): Message {
  return {
    headers: {
      from: [{ name: 'Lettre du Parc', email: 'info@parc-exemple.fr' }],
      to: [{ name: null, email: ACCOUNT }],
      cc: [],
      reply_to: [],
      sender: null,
      subject: 'Programme de printemps',
      date: '2027-03-15T09:00:00+01:00',
      message_id: 'abc@parc-exemple.fr',
      in_reply_to: [],
      references: [],
    },
    text: 'Bonjour,\nvoici le programme.',
    html: '<p id="corps">Bonjour, <b>voici</b> le programme.</p>',
    blocked: [],
    remote_allowed: null,
    attachments: [],
    invitation: null,
    truncated: false,
    ...partial,
  };
}

function reads(): unknown[][] {
  return invoke.mock.calls.filter(([cmd]) => cmd === 'read_message');
}

describe('Reader', () => {
  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    internals.__TAURI_INTERNALS__ = {};
  });
  afterEach(() => {
    delete internals.__TAURI_INTERNALS__;
  });

  it('shows the headers and puts the HTML in a fully sandboxed iframe, never in the page', async () => {
    invoke.mockResolvedValue(message());
    render(Reader, props);
    expect(await screen.findByRole('heading', { name: 'Programme de printemps' })).toBeTruthy();
    expect(screen.getByText('Lettre du Parc <info@parc-exemple.fr>')).toBeTruthy();
    expect(screen.getByText(ACCOUNT)).toBeTruthy();
    expect(screen.getByText('lundi 15 mars 2027 à', { exact: false })).toBeTruthy();
    const frame = screen.getByTitle('Contenu du message') as HTMLIFrameElement;
    expect(frame.tagName).toBe('IFRAME');
    expect(frame.getAttribute('sandbox')).toBe('');
    expect(frame.getAttribute('srcdoc')).toContain('<p id="corps">Bonjour, <b>voici</b> le programme.</p>');
    expect(frame.getAttribute('srcdoc')).toContain("default-src 'none'; img-src data: cid:;");
    expect(document.getElementById('corps')).toBeNull();
    expect(document.body.textContent).not.toContain('voici le programme');
    expect(reads()).toEqual([['read_message', { account: ACCOUNT, folder: 'INBOX', uid: 42, allowRemoteOnce: false }]]);
    expect(screen.queryByText('Images distantes bloquées')).toBeNull();
  });

  it('shows the text in a <pre> when there is no HTML', async () => {
    invoke.mockResolvedValue(message({ html: null }));
    render(Reader, props);
    const pre = await screen.findByText(/voici le programme\./);
    expect(pre.tagName).toBe('PRE');
    expect(pre.textContent).toBe('Bonjour,\nvoici le programme.');
    expect(document.querySelector('iframe')).toBeNull();
  });

  it('offers to show blocked remote images this once', async () => {
    invoke.mockResolvedValueOnce(message({ blocked: ['https://pistage.exemple.com/p.gif'] }));
    invoke.mockResolvedValueOnce(message({ remote_allowed: 'once' }));
    render(Reader, props);
    const banner = await screen.findByRole('region', { name: 'Images distantes bloquées' });
    await fireEvent.click(within(banner).getByRole('button', { name: 'Afficher cette fois' }));
    await vi.waitFor(() => expect(screen.queryByText('Images distantes bloquées')).toBeNull());
    expect(reads()).toEqual([
      ['read_message', { account: ACCOUNT, folder: 'INBOX', uid: 42, allowRemoteOnce: false }],
      ['read_message', { account: ACCOUNT, folder: 'INBOX', uid: 42, allowRemoteOnce: true }],
    ]);
    expect(invoke).not.toHaveBeenCalledWith('allow_remote', expect.anything());
    expect(screen.getByTitle('Contenu du message').getAttribute('srcdoc')).toContain('img-src data: cid: https: http:;');
  });

  it('allows a sender for good, then reloads the message', async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'allow_remote') return null;
      const allowed = invoke.mock.calls.some(([c]) => c === 'allow_remote');
      return allowed ? message({ remote_allowed: 'sender' }) : message({ blocked: ['https://pistage.exemple.com/p.gif'] });
    });
    render(Reader, props);
    await fireEvent.click(await screen.findByRole('button', { name: 'Toujours pour cet expéditeur' }));
    await vi.waitFor(() => expect(screen.queryByText('Images distantes bloquées')).toBeNull());
    expect(invoke.mock.calls).toEqual([
      ['read_message', { account: ACCOUNT, folder: 'INBOX', uid: 42, allowRemoteOnce: false }],
      ['allow_remote', { account: ACCOUNT, what: { sender: 'info@parc-exemple.fr' } }],
      ['read_message', { account: ACCOUNT, folder: 'INBOX', uid: 42, allowRemoteOnce: false }],
    ]);
  });

  it('lists the attachments with their size in French units', async () => {
    invoke.mockResolvedValue(
      message({
        attachments: [
          { part: '2', name: 'programme.pdf', mime: 'application/pdf', size: 1_572_864, content_id: null, inline: false },
          { part: '3', name: null, mime: 'text/calendar', size: 512, content_id: null, inline: false },
        ],
      }),
    );
    render(Reader, props);
    const list = await screen.findByRole('region', { name: 'Pièces jointes' });
    const items = within(list).getAllByRole('listitem').map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
    expect(items).toEqual(['programme.pdf 1,5 Mo Enregistrer Ouvrir', 'Pièce jointe sans nom 512 octets Enregistrer Ouvrir']);
  });

  it('answers and forwards the message shown through the composer', async () => {
    composeRequest.set(null);
    invoke.mockResolvedValue(message());
    render(Reader, props);
    const actions = await screen.findByRole('group', { name: 'Actions sur le message' });
    const reply = within(actions).getByRole('button', { name: 'Répondre à l’expéditeur' });
    expect(reply.textContent?.trim()).toBe('Répondre');
    await fireEvent.click(reply);
    expect(get(composeRequest)).toEqual({ kind: 'reply', account: ACCOUNT, folder: 'INBOX', uid: 42 });
    await fireEvent.click(within(actions).getByRole('button', { name: 'Répondre à l’expéditeur et à tous les destinataires' }));
    expect(get(composeRequest)).toEqual({ kind: 'reply_all', account: ACCOUNT, folder: 'INBOX', uid: 42 });
    await fireEvent.click(within(actions).getByRole('button', { name: 'Transférer ce message' }));
    expect(get(composeRequest)).toEqual({ kind: 'forward', account: ACCOUNT, folder: 'INBOX', uid: 42 });
    // Opening the composer reads nothing more here: the composer asks the core itself.
    expect(invoke.mock.calls.map(([cmd]) => cmd)).toEqual(['read_message']);
    composeRequest.set(null);
  });

  it('says why a message could not be shown', async () => {
    invoke.mockRejectedValue({ kind: 'offline', message: '' });
    render(Reader, props);
    expect((await screen.findByRole('alert')).textContent).toBe('Impossible d’afficher ce message : Vous êtes hors ligne');
  });

  it('shows an invitation as a card with its answers', async () => {
    invoke.mockResolvedValue(
      message({
        invitation: {
          method: 'REQUEST',
          uid: 'evt@mairie-exemple.fr',
          summary: 'Commission urbanisme',
          start: '2027-03-16T14:00:00+01:00',
          end: '2027-03-16T16:00:00+01:00',
          all_day: false,
          location: 'Mairie annexe',
          organizer: 'urbanisme@mairie-exemple.fr',
          attendees: [ACCOUNT],
          part: '2',
        },
        attachments: [
          { part: '2', name: null, mime: 'text/calendar', size: 348, content_id: null, inline: false },
          { part: '3', name: 'ordre-du-jour.pdf', mime: 'application/pdf', size: 2048, content_id: null, inline: false },
        ],
      }),
    );
    render(Reader, props);
    const card = await screen.findByRole('region', { name: 'Invitation' });
    // The card shows the invitation: its nameless calendar part is not listed again.
    const listed = within(screen.getByRole('region', { name: 'Pièces jointes' })).getAllByRole('listitem');
    expect(listed.map((li) => li.textContent?.trim().split(/\s+/)[0])).toEqual(['ordre-du-jour.pdf']);
    expect(within(card).getByRole('heading', { name: 'Commission urbanisme' })).toBeTruthy();
    expect(within(card).getByRole('button', { name: 'Accepter' })).toBeTruthy();
    expect(within(card).getByRole('button', { name: 'Peut-être' })).toBeTruthy();
    expect(within(card).getByRole('button', { name: 'Refuser' })).toBeTruthy();
  });
});

describe('fileSize', () => {
  it('writes sizes in French units', () => {
    // French puts a no-break space before a unit written out, a narrow one before an abbreviated
    // unit and between thousands.
    expect(fileSize(0)).toBe('0\u00a0octet');
    expect(fileSize(1023)).toBe('1\u202f023\u00a0octets');
    expect(fileSize(1024)).toBe('1\u202fko');
    expect(fileSize(1_572_864)).toBe('1,5\u202fMo');
    expect(fileSize(15_360)).toBe('15\u202fko');
    expect(fileSize(3 * 1024 ** 3)).toBe('3\u202fGo');
  });
});

describe('Reader, saving attachments', () => {
  const files = message({
    attachments: [
      { part: '2', name: 'programme.pdf', mime: 'application/pdf', size: 1_572_864, content_id: null, inline: false },
      { part: '3', name: null, mime: 'application/pdf', size: 512, content_id: null, inline: false },
    ],
  });

  function serveSave(answer: (path: string) => Promise<number>): void {
    invoke.mockImplementation(async (cmd: string, args: { path: string }) => {
      if (cmd === 'read_message') return files;
      if (cmd === 'save_attachment') return answer(args.path);
      throw { kind: 'not_found', message: cmd };
    });
  }

  beforeEach(() => {
    lang.set('fr');
    invoke.mockReset();
    dialog.save.mockReset();
    internals.__TAURI_INTERNALS__ = {};
  });
  afterEach(() => {
    delete internals.__TAURI_INTERNALS__;
  });

  it('asks where, then has the core write the file, and says so', async () => {
    serveSave(async () => 1_572_864);
    dialog.save.mockResolvedValue('/home/agent/Documents/programme-printemps.pdf');
    render(Reader, props);
    await fireEvent.click(await screen.findByRole('button', { name: 'Enregistrer programme.pdf' }));
    expect(await screen.findByText('Enregistré : programme-printemps.pdf')).toBeTruthy();
    expect(screen.getByText('Enregistré : programme-printemps.pdf').getAttribute('role')).toBe('status');
    expect(dialog.save).toHaveBeenCalledWith({ defaultPath: 'programme.pdf' });
    expect(invoke).toHaveBeenCalledWith('save_attachment', {
      account: ACCOUNT,
      folder: 'INBOX',
      uid: 42,
      part: '2',
      path: '/home/agent/Documents/programme-printemps.pdf',
    });
  });

  it('opens an attachment through the core, and says why a program is not opened', async () => {
    invoke.mockImplementation(async (cmd: string, args: { part: string }) => {
      if (cmd === 'read_message') return files;
      if (cmd === 'open_attachment' && args.part === '2') return null;
      if (cmd === 'open_attachment') {
        throw { kind: 'bad_input', message: 'piece would run as a program: save it instead' };
      }
      throw { kind: 'not_found', message: cmd };
    });
    render(Reader, props);
    await fireEvent.click(await screen.findByRole('button', { name: 'Ouvrir programme.pdf' }));
    await vi.waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('open_attachment', { account: ACCOUNT, folder: 'INBOX', uid: 42, part: '2' }),
    );
    expect(screen.queryByRole('alert')).toBeNull();
    await fireEvent.click(await screen.findByRole('button', { name: 'Ouvrir Pièce jointe sans nom' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Impossible d’ouvrir Pièce jointe sans nom');
  });

  it('proposes a name made from the type for an unnamed attachment', async () => {
    serveSave(async () => 512);
    dialog.save.mockResolvedValue('C:\\Users\\agent\\piece-jointe.pdf');
    render(Reader, props);
    await fireEvent.click(await screen.findByRole('button', { name: 'Enregistrer Pièce jointe sans nom' }));
    expect(await screen.findByText('Enregistré : piece-jointe.pdf')).toBeTruthy();
    expect(dialog.save).toHaveBeenCalledWith({ defaultPath: 'piece-jointe.pdf' });
  });

  it('does nothing when the dialog is cancelled', async () => {
    serveSave(async () => 0);
    dialog.save.mockResolvedValue(null);
    render(Reader, props);
    await fireEvent.click(await screen.findByRole('button', { name: 'Enregistrer programme.pdf' }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(invoke.mock.calls.filter(([cmd]) => cmd === 'save_attachment')).toEqual([]);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('status').textContent?.trim()).toBe('');
  });

  it('says why the file could not be written', async () => {
    serveSave(async () => {
      throw { kind: 'storage', message: 'permission denied' };
    });
    dialog.save.mockResolvedValue('/mnt/cle/programme.pdf');
    render(Reader, props);
    await fireEvent.click(await screen.findByRole('button', { name: 'Enregistrer programme.pdf' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Impossible d’enregistrer programme.pdf');
  });
});
