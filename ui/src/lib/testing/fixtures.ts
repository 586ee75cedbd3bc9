// Test data only (imported by *.test.ts, never by the app): a folder list as a Dovecot server
// with a shared namespace, plus one BlueMind mailshare, would give it.

import type { Folder } from '../bindings/Folder';

export const ACCOUNT = 'agent@mairie-exemple.fr';

export function folder(partial: Partial<Folder> & Pick<Folder, 'name'>): Folder {
  return {
    account: ACCOUNT,
    delimiter: '/',
    role: null,
    shared: false,
    owner: null,
    rights: 'lrswipkxtea',
    unread: 0,
    total: 0,
    subscribed: true,
    selectable: true,
    ...partial,
  };
}

export const DOVECOT_LIKE: Folder[] = [
  folder({ name: 'Trash', role: 'trash', total: 40 }),
  folder({ name: 'zones humides', total: 2 }),
  folder({ name: 'Sent', role: 'sent', total: 812 }),
  folder({ name: 'Projets/2027/Budget', unread: 2, total: 14 }),
  folder({ name: 'INBOX', role: 'inbox', unread: 12, total: 1245 }),
  folder({ name: 'Élus', total: 30 }),
  folder({ name: 'Junk', role: 'junk', unread: 3, total: 3 }),
  folder({ name: 'Archive', role: 'archive', total: 5012 }),
  folder({ name: 'Drafts', role: 'drafts', total: 1 }),
  folder({ name: 'Associations', total: 77 }),
  folder({ name: 'Shared/accueil/Demandes', shared: true, owner: 'accueil', rights: 'lrswipkxte', unread: 4, total: 90 }),
  folder({ name: 'Shared/accueil/INBOX', shared: true, owner: 'accueil', rights: 'lrs', unread: 5, total: 230 }),
  folder({
    name: 'Dossiers partagés/urbanisme/Permis',
    shared: true,
    owner: 'urbanisme',
    rights: 'lrs',
    unread: null,
    total: null,
  }),
];
