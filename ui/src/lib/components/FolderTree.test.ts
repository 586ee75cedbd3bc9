import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import FolderTree from './FolderTree.svelte';
import { buildSections, folderKey } from '../folders';
import { lang } from '../i18n';
import { ACCOUNT, DOVECOT_LIKE } from '../testing/fixtures';

const sections = buildSections(DOVECOT_LIKE, [ACCOUNT]);

function items(): HTMLElement[] {
  return screen.getAllByRole('treeitem');
}

describe('FolderTree', () => {
  beforeEach(() => lang.set('fr'));
  afterEach(() => lang.set('fr'));

  it('renders the section headings and the shared folders by their short names', () => {
    render(FolderTree, { sections });
    expect(screen.getByRole('heading', { name: 'Mes dossiers' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Boîtes partagées' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Boîte d’accueil' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Boîte d’urbanisme' })).toBeTruthy();
    const shared = screen.getByRole('tree', { name: 'Boîte d’accueil' });
    const demandes = within(shared).getByRole('treeitem', { name: 'Demandes 4 non lus' });
    expect(demandes.getAttribute('aria-level')).toBe('1');
    expect(within(shared).getByRole('treeitem', { name: 'Boîte de réception 5 non lus Lecture seule' })).toBeTruthy();
  });

  it('gives the tree ARIA state: levels, expansion, one tab stop', () => {
    render(FolderTree, { sections });
    const all = items();
    expect(all).toHaveLength(15);
    expect(all.filter((el) => el.tabIndex === 0)).toHaveLength(1);
    expect(all[0]!.tabIndex).toBe(0);
    const budget = screen.getByRole('treeitem', { name: 'Budget 2 non lus' });
    expect(budget.getAttribute('aria-level')).toBe('3');
    const projets = screen.getByRole('treeitem', { name: 'Projets' });
    expect(projets.getAttribute('aria-expanded')).toBe('true');
    expect(budget.hasAttribute('aria-expanded')).toBe(false);
  });

  it('moves focus with the arrow keys, Home and End', async () => {
    render(FolderTree, { sections });
    const all = items();
    all[0]!.focus();
    await fireEvent.keyDown(all[0]!, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(screen.getByRole('treeitem', { name: 'Brouillons' }));
    expect(items().filter((el) => el.tabIndex === 0)).toEqual([document.activeElement]);
    await fireEvent.keyDown(document.activeElement!, { key: 'End' });
    expect(document.activeElement).toBe(screen.getByRole('treeitem', { name: 'Permis Lecture seule' }));
    await fireEvent.keyDown(document.activeElement!, { key: 'Home' });
    expect(document.activeElement).toBe(all[0]);
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowUp' });
    expect(document.activeElement).toBe(all[0]);
  });

  it('collapses and expands with Left and Right, and Left goes to the parent', async () => {
    render(FolderTree, { sections });
    const budget = screen.getByRole('treeitem', { name: 'Budget 2 non lus' });
    budget.focus();
    await fireEvent.keyDown(budget, { key: 'ArrowLeft' });
    const y2027 = screen.getByRole('treeitem', { name: '2027' });
    expect(document.activeElement).toBe(y2027);
    await fireEvent.keyDown(y2027, { key: 'ArrowLeft' });
    expect(y2027.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByRole('treeitem', { name: 'Budget 2 non lus' })).toBeNull();
    await fireEvent.keyDown(y2027, { key: 'ArrowRight' });
    expect(y2027.getAttribute('aria-expanded')).toBe('true');
    await fireEvent.keyDown(y2027, { key: 'ArrowRight' });
    expect(document.activeElement).toBe(screen.getByRole('treeitem', { name: 'Budget 2 non lus' }));
  });

  it('calls onselect for a folder (click, Enter) but not for a placeholder', async () => {
    const onselect = vi.fn();
    render(FolderTree, { sections, onselect });
    await fireEvent.click(screen.getByRole('treeitem', { name: 'Demandes 4 non lus' }));
    expect(onselect).toHaveBeenCalledTimes(1);
    expect(onselect.mock.calls[0]![0]).toMatchObject({ name: 'Shared/accueil/Demandes', owner: 'accueil' });

    const sent = screen.getByRole('treeitem', { name: 'Envoyés' });
    sent.focus();
    await fireEvent.keyDown(sent, { key: 'Enter' });
    expect(onselect).toHaveBeenCalledTimes(2);
    expect(onselect.mock.calls[1]![0]).toMatchObject({ name: 'Sent' });

    const projets = screen.getByRole('treeitem', { name: 'Projets' });
    await fireEvent.click(projets);
    expect(onselect).toHaveBeenCalledTimes(2);
    expect(projets.getAttribute('aria-expanded')).toBe('false');
  });

  it('marks the selected folder and makes it the tab stop', () => {
    const inboxAccueil = DOVECOT_LIKE.find((f) => f.name === 'Shared/accueil/INBOX')!;
    render(FolderTree, { sections, selectedId: folderKey(inboxAccueil) });
    const selected = items().filter((el) => el.getAttribute('aria-selected') === 'true');
    expect(selected).toHaveLength(1);
    expect(selected[0]!.tabIndex).toBe(0);
    expect(within(screen.getByRole('tree', { name: 'Boîte d’accueil' })).getAllByRole('treeitem')[0]).toBe(
      selected[0],
    );
  });

  it('jumps by typing the start of a name', async () => {
    render(FolderTree, { sections });
    const all = items();
    all[0]!.focus();
    await fireEvent.keyDown(all[0]!, { key: 'p' });
    expect(document.activeElement).toBe(screen.getByRole('treeitem', { name: 'Projets' }));
  });

  it('speaks English when asked', () => {
    lang.set('en');
    render(FolderTree, { sections });
    expect(screen.getByRole('heading', { name: 'My folders' })).toBeTruthy();
    expect(screen.getByRole('treeitem', { name: 'Inbox 12 unread' })).toBeTruthy();
  });
});
