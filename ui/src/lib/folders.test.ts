import { describe, expect, it } from 'vitest';
import {
  buildSections,
  canCreateChild,
  canDeleteFolder,
  canInsert,
  canMarkSeen,
  canRemoveMessages,
  canWrite,
  displayPath,
  folderKey,
  folderLabel,
  isReadOnly,
  nodeLabel,
  ownerDisplayName,
  parseRights,
  startsWithVowelSound,
  visibleNodes,
  type FolderNode,
} from './folders';
import { catalogues } from './i18n';
import { ACCOUNT, DOVECOT_LIKE, folder } from './testing/fixtures';

const fr = (key: keyof (typeof catalogues)['fr']): string => catalogues.fr[key];
const labels = (nodes: FolderNode[]): string[] => nodes.map((n) => nodeLabel(n, fr));

describe('buildSections', () => {
  const sections = buildSections(DOVECOT_LIKE, [ACCOUNT]);

  it('puts own folders first, then one section per owner sorted by owner', () => {
    expect(sections.map((s) => [s.kind, s.account, s.owner])).toEqual([
      ['own', ACCOUNT, null],
      ['shared', ACCOUNT, 'accueil'],
      ['shared', ACCOUNT, 'urbanisme'],
    ]);
  });

  it('orders own folders by role, then alphabetically in French', () => {
    expect(labels(sections[0]!.nodes)).toEqual([
      'Boîte de réception',
      'Brouillons',
      'Envoyés',
      'Archives',
      'Indésirables',
      'Corbeille',
      'Associations',
      'Élus',
      'Projets',
      'zones humides',
    ]);
  });

  it('nests children and adds non-selectable placeholders for unlisted parents', () => {
    const projets = sections[0]!.nodes.find((n) => n.label === 'Projets')!;
    expect(projets.folder).toBeNull();
    expect(projets.level).toBe(1);
    const y2027 = projets.children[0]!;
    expect(y2027.label).toBe('2027');
    expect(y2027.folder).toBeNull();
    expect(y2027.level).toBe(2);
    const budget = y2027.children[0]!;
    expect(budget.label).toBe('Budget');
    expect(budget.level).toBe(3);
    expect(budget.folder?.name).toBe('Projets/2027/Budget');
    expect(budget.id).toBe(folderKey(budget.folder!));
    expect(budget.children).toEqual([]);
  });

  it('strips the namespace and owner from shared folders, INBOX showing as the inbox', () => {
    const accueil = sections[1]!;
    expect(labels(accueil.nodes)).toEqual(['Boîte de réception', 'Demandes']);
    expect(accueil.nodes.map((n) => n.level)).toEqual([1, 1]);
    expect(accueil.nodes[0]!.role).toBe('inbox');
    expect(accueil.nodes[0]!.folder?.name).toBe('Shared/accueil/INBOX');
    const urbanisme = sections[2]!;
    expect(labels(urbanisme.nodes)).toEqual(['Permis']);
    expect(urbanisme.nodes[0]!.folder?.owner).toBe('urbanisme');
  });

  it('keeps a flat name whole when the delimiter is null', () => {
    const [own] = buildSections([folder({ name: 'Compta/2026.Q1', delimiter: null })]);
    expect(own!.nodes).toHaveLength(1);
    expect(own!.nodes[0]!.label).toBe('Compta/2026.Q1');
    expect(own!.nodes[0]!.children).toEqual([]);
  });

  it('uses the delimiter the server gave (Cyrus-style dots under INBOX)', () => {
    const [own] = buildSections([
      folder({ name: 'INBOX', delimiter: '.' }),
      folder({ name: 'INBOX.Sent', delimiter: '.', role: 'sent' }),
      folder({ name: 'INBOX.Dossiers', delimiter: '.' }),
      folder({ name: 'INBOX.Drafts', delimiter: '.', role: 'drafts' }),
    ]);
    const inbox = own!.nodes[0]!;
    expect(inbox.role).toBe('inbox');
    expect(labels(inbox.children)).toEqual(['Brouillons', 'Envoyés', 'Dossiers']);
  });

  it('fills a placeholder when the parent is listed after its child', () => {
    const [own] = buildSections([
      folder({ name: 'Projets/Voirie' }),
      folder({ name: 'Projets', unread: 1 }),
    ]);
    expect(own!.nodes).toHaveLength(1);
    expect(own!.nodes[0]!.folder?.name).toBe('Projets');
    expect(own!.nodes[0]!.id).toBe(folderKey({ account: ACCOUNT, name: 'Projets' }));
    expect(labels(own!.nodes[0]!.children)).toEqual(['Voirie']);
  });

  it('shows a BlueMind mailshare root as its inbox, but hides a Dovecot container beside INBOX', () => {
    const sections = buildSections([
      folder({ name: 'Dossiers partagés/urbanisme', owner: 'urbanisme', shared: true, rights: 'lrs' }),
      folder({ name: 'Dossiers partagés/urbanisme/Permis', owner: 'urbanisme', shared: true, rights: 'lrs' }),
      folder({ name: 'Shared/accueil', owner: 'accueil', shared: true }),
      folder({ name: 'Shared/accueil/INBOX', owner: 'accueil', shared: true }),
    ]);
    const [accueil, urbanisme] = sections;
    expect(labels(accueil!.nodes)).toEqual(['Boîte de réception']);
    expect(accueil!.nodes[0]!.folder?.name).toBe('Shared/accueil/INBOX');
    expect(labels(urbanisme!.nodes)).toEqual(['Boîte de réception', 'Permis']);
    expect(urbanisme!.nodes[0]!.folder?.name).toBe('Dossiers partagés/urbanisme');
  });

  it('keeps \\Noselect folders as placeholders and drops a non-selectable mailbox root', () => {
    const [own, urbanisme] = buildSections([
      folder({ name: 'Projets', selectable: false }),
      folder({ name: 'Projets/Voirie' }),
      folder({ name: 'Dossiers partagés/urbanisme', owner: 'urbanisme', shared: true, selectable: false }),
      folder({ name: 'Dossiers partagés/urbanisme/Permis', owner: 'urbanisme', shared: true }),
    ]);
    expect(own!.nodes[0]!.folder).toBeNull();
    expect(own!.nodes[0]!.label).toBe('Projets');
    expect(labels(own!.nodes[0]!.children)).toEqual(['Voirie']);
    expect(labels(urbanisme!.nodes)).toEqual(['Permis']);
  });

  it('orders several accounts as configured, each with its own sections', () => {
    const other = 'mairie-annexe@exemple.fr';
    const sections = buildSections(
      [folder({ name: 'INBOX', role: 'inbox', account: other }), folder({ name: 'INBOX', role: 'inbox' })],
      [other, ACCOUNT],
    );
    expect(sections.map((s) => s.account)).toEqual([other, ACCOUNT]);
    expect(new Set(sections.map((s) => s.nodes[0]!.id)).size).toBe(2);
  });

  it('sorts numbers by value and ignores case and accents when comparing', () => {
    const [own] = buildSections([
      folder({ name: 'dossier 10' }),
      folder({ name: 'Dossier 2' }),
      folder({ name: 'école' }),
      folder({ name: 'Ecole maternelle' }),
    ]);
    expect(labels(own!.nodes)).toEqual(['Dossier 2', 'dossier 10', 'école', 'Ecole maternelle']);
  });
});

describe('displayPath and labels', () => {
  it('drops prefix and owner, also when the owner is a full address', () => {
    expect(displayPath(folder({ name: 'Shared/accueil/Demandes/2026', owner: 'accueil@mairie.fr' }))).toEqual([
      'Demandes',
      '2026',
    ]);
    expect(displayPath(folder({ name: 'Autres utilisateurs/j.martin@mairie.fr/Dossier', owner: 'j.martin' }))).toEqual([
      'Dossier',
    ]);
  });

  it('keeps the full path when the owner cannot be found in it', () => {
    expect(displayPath(folder({ name: 'Public/Courrier entrant', owner: 'accueil' }))).toEqual([
      'Public',
      'Courrier entrant',
    ]);
  });

  it('labels a folder outside the tree like inside it', () => {
    expect(folderLabel(DOVECOT_LIKE[11]!, fr)).toBe('Boîte de réception');
    expect(folderLabel(DOVECOT_LIKE[10]!, fr)).toBe('Demandes');
  });

  it('elides "de" before a vowel sound and shows the local part of an owner address', () => {
    expect(startsWithVowelSound('accueil')).toBe(true);
    expect(startsWithVowelSound('État civil')).toBe(true);
    expect(startsWithVowelSound('urbanisme')).toBe(true);
    expect(startsWithVowelSound('marie.durand')).toBe(false);
    expect(ownerDisplayName('accueil@mairie.fr')).toBe('accueil');
    expect(ownerDisplayName('accueil')).toBe('accueil');
  });
});

describe('visibleNodes', () => {
  const sections = buildSections(DOVECOT_LIKE, [ACCOUNT]);
  const projets = sections[0]!.nodes.find((n) => n.label === 'Projets')!;

  it('lists expanded nodes depth first with set size and position', () => {
    const visible = visibleNodes(sections, new Set());
    expect(visible).toHaveLength(15);
    const budget = visible.find((v) => v.node.label === 'Budget')!;
    expect(budget.setSize).toBe(1);
    expect(budget.posInSet).toBe(1);
    expect(budget.parentId).toBe(projets.children[0]!.id);
    const inbox = visible[0]!;
    expect(inbox.setSize).toBe(10);
    expect(inbox.posInSet).toBe(1);
  });

  it('hides the descendants of collapsed nodes', () => {
    expect(visibleNodes(sections, new Set([projets.id]))).toHaveLength(13);
  });
});

describe('rights (RFC 4314)', () => {
  it('reads each letter', () => {
    expect(parseRights('lrs')).toMatchObject({ lookup: true, read: true, seen: true, insert: false, writeFlags: false });
    expect(canInsert('lrswi')).toBe(true);
    expect(canInsert('lrsw')).toBe(false);
    expect(canWrite('lrs')).toBe(false);
    expect(canWrite('lrsw')).toBe(true);
    expect(canRemoveMessages('lrswit')).toBe(false);
    expect(canRemoveMessages('lrswite')).toBe(true);
    expect(canMarkSeen('lr')).toBe(false);
    expect(canCreateChild('lrswik')).toBe(true);
    expect(canDeleteFolder('lrswik')).toBe(false);
    expect(canDeleteFolder('lrswikx')).toBe(true);
  });

  it('reads the obsolete c and d rights as the ones they were split into', () => {
    expect(canCreateChild('lrswic')).toBe(true);
    expect(canRemoveMessages('lrswid')).toBe(true);
    expect(canDeleteFolder('lrswid')).toBe(true);
  });

  it('treats an empty rights string as unknown, so nothing is locked', () => {
    expect(canInsert('')).toBe(true);
    expect(parseRights('').admin).toBe(false);
  });

  it('marks read-only folders', () => {
    expect(isReadOnly(DOVECOT_LIKE[11]!)).toBe(true);
    expect(isReadOnly(DOVECOT_LIKE[10]!)).toBe(false);
  });
});
