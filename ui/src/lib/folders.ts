// Pure logic behind the folder pane: from the flat list the core sends (`Folder[]`, every account,
// own and shared mailboxes mixed) to ordered sections of nested nodes. No DOM, no IPC, no i18n
// state: labels that need translating are resolved through the `translate` function passed in.

import type { Folder } from './bindings/Folder';
import type { Role } from './bindings/Role';

/** One node of a section's tree. A placeholder stands for an intermediate level that the server
 * did not list (e.g. `Projets` when only `Projets/2027/Budget` exists) or listed as not
 * selectable (`\Noselect`): it can be expanded but not opened. */
export type FolderNode = {
  /** Stable across reloads: account + full path. Used for selection, focus and expansion. */
  id: string;
  /** The last segment of the displayed path, as the server names it (already decoded). */
  label: string;
  /** Role used for the icon, the translated label and the ordering (inbox detected by name too). */
  role: Role | null;
  /** `null` for a placeholder. */
  folder: Folder | null;
  /** 1 for the top level of a section. */
  level: number;
  children: FolderNode[];
};

export type SectionKind = 'own' | 'shared';

export type FolderSection = {
  id: string;
  kind: SectionKind;
  account: string;
  /** `null` for the user's own folders; the mailbox owner (user or service) otherwise. */
  owner: string | null;
  nodes: FolderNode[];
};

const SEP = '\u0000';

/** The key the rest of the UI uses to refer to a folder. */
export function folderKey(folder: Pick<Folder, 'account' | 'name'>): string {
  return `${folder.account}${SEP}${folder.name}`;
}

/** Order of the well-known folders among their siblings; anything else comes after, sorted
 * alphabetically with French collation. */
const ROLE_RANK: Record<Role, number> = {
  inbox: 0,
  drafts: 1,
  sent: 2,
  archive: 3,
  junk: 4,
  trash: 5,
  all: 6,
  flagged: 7,
};

const collator = new Intl.Collator('fr', { sensitivity: 'base', numeric: true });

/** French collation, as `localeCompare(…, 'fr')`, with numbers compared by value (2 < 10). */
export function compareFr(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

function splitPath(name: string, delimiter: string | null): string[] {
  if (delimiter === null || delimiter === '') return [name];
  return name.split(delimiter).filter((segment) => segment !== '');
}

function sameName(a: string, b: string): boolean {
  return a.localeCompare(b, 'fr', { sensitivity: 'accent' }) === 0;
}

/**
 * The path shown for a folder inside its section. Own folders keep their full path. For another
 * mailbox, the namespace prefix and the owner are dropped: `Shared/accueil/Demandes` (owner
 * `accueil`) shows as `Demandes`, `Dossiers partagés/urbanisme/Permis` as `Permis`. The owner may
 * be a full address (`accueil@mairie.fr`) while the path only holds its local part, or the other
 * way round. If the owner is not found in the path, the full path is kept rather than guessed at.
 * An empty result means the folder is the root of that mailbox.
 */
export function displayPath(folder: Folder): string[] {
  const segments = splitPath(folder.name, folder.delimiter);
  if (folder.owner === null) return segments;
  const owner = folder.owner;
  const local = owner.includes('@') ? owner.slice(0, owner.indexOf('@')) : owner;
  const index = segments.findIndex((segment) => {
    const segmentLocal = segment.includes('@') ? segment.slice(0, segment.indexOf('@')) : segment;
    return sameName(segment, owner) || sameName(segment, local) || sameName(segmentLocal, local);
  });
  return index === -1 ? segments : segments.slice(index + 1);
}

/** The role a folder plays: the one the server announced, or inbox for a top-level `INBOX`. */
export function effectiveRole(folder: Folder, path: string[] = displayPath(folder)): Role | null {
  if (folder.role !== null) return folder.role;
  if (path.length === 0) return folder.owner === null ? null : 'inbox';
  if (path.length === 1 && path[0]?.toUpperCase() === 'INBOX') return 'inbox';
  return null;
}

function compareNodes(a: FolderNode, b: FolderNode): number {
  const ra = a.role === null ? Number.POSITIVE_INFINITY : ROLE_RANK[a.role];
  const rb = b.role === null ? Number.POSITIVE_INFINITY : ROLE_RANK[b.role];
  if (ra !== rb) return ra - rb;
  return compareFr(a.label, b.label);
}

function sortTree(nodes: FolderNode[]): void {
  nodes.sort(compareNodes);
  for (const node of nodes) sortTree(node.children);
}

/** Builds one section's nodes. */
function buildNodes(folders: Folder[], sectionId: string): FolderNode[] {
  const roots: FolderNode[] = [];
  const byPath = new Map<string, FolderNode>();
  const entries = folders.map((folder) => {
    const path = displayPath(folder);
    return { folder, path, role: effectiveRole(folder, path) };
  });
  // A mailbox root (`Shared/accueil`) next to that mailbox's own INBOX is only a container
  // (Dovecot lists it \Noselect): leave it out rather than show two inboxes.
  const hasInbox = entries.some((e) => e.path.length === 1 && e.role === 'inbox' && e.folder.selectable);

  const ensure = (path: string[]): FolderNode => {
    const key = path.join(SEP);
    const existing = byPath.get(key);
    if (existing) return existing;
    const node: FolderNode = {
      id: `${sectionId}${SEP}placeholder${SEP}${key}`,
      label: path[path.length - 1] ?? '',
      role: null,
      folder: null,
      level: path.length,
      children: [],
    };
    byPath.set(key, node);
    if (path.length === 1) roots.push(node);
    else ensure(path.slice(0, -1)).children.push(node);
    return node;
  };

  for (const { folder, path, role } of entries) {
    if (path.length === 0) {
      if (hasInbox || !folder.selectable) continue;
      // The root of another user's or a service mailbox (BlueMind mailshares hold mail there):
      // shown as that mailbox's inbox, beside its sub-folders.
      const node: FolderNode = {
        id: folderKey(folder),
        label: folder.owner ?? folder.name,
        role,
        folder,
        level: 1,
        children: [],
      };
      roots.push(node);
      continue;
    }
    const node = ensure(path);
    // A \Noselect folder only holds others: it stays a placeholder.
    if (!folder.selectable) continue;
    // Fill a placeholder created earlier by a child, or the node just created.
    node.id = folderKey(folder);
    node.folder = folder;
    node.role = role;
  }

  sortTree(roots);
  return roots;
}

/**
 * Groups the flat folder list into sections: first one per account for its own folders (owner
 * `null`, accounts in the order given by `accountOrder`, then any other), then one per mailbox
 * owner for shared and other users' mailboxes (sorted by owner). Inside each section the tree is
 * nested by delimiter and ordered: inbox, drafts, sent, archive, junk, trash (then all, flagged),
 * then the rest alphabetically.
 */
export function buildSections(folders: Folder[], accountOrder: string[] = []): FolderSection[] {
  const groups = new Map<string, { kind: SectionKind; account: string; owner: string | null; folders: Folder[] }>();
  for (const folder of folders) {
    // The root of the other users' or shared namespace ("Shared", "Dossiers partagés") holds
    // only mailboxes, which get sections of their own.
    if (folder.shared && folder.owner === null) continue;
    const kind: SectionKind = folder.owner === null ? 'own' : 'shared';
    const id = `${kind}${SEP}${folder.account}${SEP}${folder.owner ?? ''}`;
    let group = groups.get(id);
    if (!group) {
      group = { kind, account: folder.account, owner: folder.owner, folders: [] };
      groups.set(id, group);
    }
    group.folders.push(folder);
  }

  const accountRank = (account: string): number => {
    const i = accountOrder.indexOf(account);
    return i === -1 ? accountOrder.length : i;
  };

  const sections: FolderSection[] = [...groups.entries()].map(([id, group]) => ({
    id,
    kind: group.kind,
    account: group.account,
    owner: group.owner,
    nodes: buildNodes(group.folders, id),
  }));

  sections.sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'own' ? -1 : 1;
    if (a.kind === 'shared') {
      const byOwner = compareFr(a.owner ?? '', b.owner ?? '');
      if (byOwner !== 0) return byOwner;
    }
    return accountRank(a.account) - accountRank(b.account) || compareFr(a.account, b.account);
  });
  return sections;
}

/** A node as shown in the pane: its place in the visible (expanded) order. */
export type VisibleNode = {
  node: FolderNode;
  section: FolderSection;
  parentId: string | null;
  setSize: number;
  posInSet: number;
};

/** The nodes on screen, in order, given which ids are collapsed. */
export function visibleNodes(sections: FolderSection[], collapsed: ReadonlySet<string>): VisibleNode[] {
  const out: VisibleNode[] = [];
  const walk = (nodes: FolderNode[], section: FolderSection, parentId: string | null): void => {
    nodes.forEach((node, i) => {
      out.push({ node, section, parentId, setSize: nodes.length, posInSet: i + 1 });
      if (node.children.length > 0 && !collapsed.has(node.id)) walk(node.children, section, node.id);
    });
  };
  for (const section of sections) walk(section.nodes, section, null);
  return out;
}

/** Every folder (not placeholder) in the sections, depth first. */
export function allNodes(sections: FolderSection[]): FolderNode[] {
  const out: FolderNode[] = [];
  const walk = (nodes: FolderNode[]): void => {
    for (const node of nodes) {
      out.push(node);
      walk(node.children);
    }
  };
  for (const section of sections) walk(section.nodes);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Labels

export type Translate = (key: string, params?: Record<string, string | number>) => string;

export const ROLE_LABEL_KEYS = {
  inbox: 'role.inbox',
  sent: 'role.sent',
  drafts: 'role.drafts',
  trash: 'role.trash',
  junk: 'role.junk',
  archive: 'role.archive',
  all: 'role.all',
  flagged: 'role.flagged',
} as const satisfies Record<Role, string>;

/** The name shown for a node: the translated role name for special folders, the server's name
 * otherwise. */
export function nodeLabel(node: FolderNode, translate: (key: (typeof ROLE_LABEL_KEYS)[Role]) => string): string {
  return node.role !== null ? translate(ROLE_LABEL_KEYS[node.role]) : node.label;
}

/** The name shown for a folder outside the tree (pane titles). */
export function folderLabel(folder: Folder, translate: (key: (typeof ROLE_LABEL_KEYS)[Role]) => string): string {
  const path = displayPath(folder);
  const role = effectiveRole(folder, path);
  if (role !== null) return translate(ROLE_LABEL_KEYS[role]);
  return path[path.length - 1] ?? folder.owner ?? folder.name;
}

/** French elides "de" before a vowel or a mute h: "Boîte d’accueil", "Boîte de marie". */
export function startsWithVowelSound(word: string): boolean {
  return /^[aeiouyhàâäéèêëîïôöùûüœæ]/i.test(word.trim());
}

/** The owner as shown in headings: the local part of an address (`accueil@mairie.fr` → `accueil`). */
export function ownerDisplayName(owner: string): string {
  const at = owner.indexOf('@');
  return at > 0 ? owner.slice(0, at) : owner;
}

// ---------------------------------------------------------------------------------------------
// Rights (RFC 4314 MYRIGHTS letters; the obsolete RFC 2086 `c` and `d` are read as the rights
// they were split into).

export type Rights = {
  /** l: the mailbox is visible. */
  lookup: boolean;
  /** r: messages can be read. */
  read: boolean;
  /** s: the \Seen flag is kept across sessions. */
  seen: boolean;
  /** w: other flags and keywords can be set. */
  writeFlags: boolean;
  /** i: messages can be added (APPEND, COPY or MOVE into it). */
  insert: boolean;
  /** p: mail can be sent to the mailbox's submission address. */
  post: boolean;
  /** k: sub-folders can be created. */
  createChild: boolean;
  /** x: the mailbox can be deleted or renamed. */
  deleteMailbox: boolean;
  /** t: messages can be flagged \Deleted. */
  deleteMessages: boolean;
  /** e: EXPUNGE works. */
  expunge: boolean;
  /** a: the ACL can be changed. */
  admin: boolean;
};

/** Reads a rights string. An empty string means the server told nothing (no ACL extension):
 * every right is assumed and the server will refuse what it must. */
export function parseRights(rights: string): Rights {
  if (rights.trim() === '') {
    return {
      lookup: true,
      read: true,
      seen: true,
      writeFlags: true,
      insert: true,
      post: true,
      createChild: true,
      deleteMailbox: true,
      deleteMessages: true,
      expunge: true,
      admin: false,
    };
  }
  const has = (letter: string): boolean => rights.includes(letter);
  return {
    lookup: has('l'),
    read: has('r'),
    seen: has('s'),
    writeFlags: has('w'),
    insert: has('i'),
    post: has('p'),
    createChild: has('k') || has('c'),
    deleteMailbox: has('x') || has('c') || has('d'),
    deleteMessages: has('t') || has('d'),
    expunge: has('e') || has('d'),
    admin: has('a'),
  };
}

/** New messages can be put into the folder (drop, copy, move, save a draft). */
export function canInsert(rights: string): boolean {
  return parseRights(rights).insert;
}

/** The folder accepts changes to its content: insert, or change flags. */
export function canWrite(rights: string): boolean {
  const r = parseRights(rights);
  return r.insert || r.writeFlags || r.deleteMessages;
}

/** Messages can be taken out of the folder (delete or move away): needs `t` and `e`. */
export function canRemoveMessages(rights: string): boolean {
  const r = parseRights(rights);
  return r.deleteMessages && r.expunge;
}

/** Reading a message marks it read for this user (`s`). */
export function canMarkSeen(rights: string): boolean {
  return parseRights(rights).seen;
}

/** Sub-folders can be created. */
export function canCreateChild(rights: string): boolean {
  return parseRights(rights).createChild;
}

/** The folder can be renamed or deleted. */
export function canDeleteFolder(rights: string): boolean {
  return parseRights(rights).deleteMailbox;
}

/** Shown with a lock: a folder one can read but not add messages to. */
export function isReadOnly(folder: Folder): boolean {
  return !canInsert(folder.rights);
}
