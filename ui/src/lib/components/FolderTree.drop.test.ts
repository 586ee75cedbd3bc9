import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import FolderTree from './FolderTree.svelte';
import { buildSections } from '../folders';
import { lang } from '../i18n';
import { endMessageDrag, startMessageDrag } from '../messageMove';
import { ACCOUNT, DOVECOT_LIKE, folder } from '../testing/fixtures';

/** jsdom has no DataTransfer: the little of it that drags use. */
function transfer(): DataTransfer {
  const data = new Map<string, string>();
  return {
    effectAllowed: 'all',
    dropEffect: 'none',
    setData: (type: string, value: string) => void data.set(type, value),
    getData: (type: string) => data.get(type) ?? '',
    get types() {
      return [...data.keys()];
    },
  } as unknown as DataTransfer;
}

const OTHER = 'elus@mairie-exemple.fr';
const FOLDERS = [...DOVECOT_LIKE, folder({ account: OTHER, name: 'INBOX', role: 'inbox' }), folder({ account: OTHER, name: 'Conseil' })];

function setup(): { ondropmessages: ReturnType<typeof vi.fn>; data: DataTransfer } {
  const ondropmessages = vi.fn();
  render(FolderTree, { sections: buildSections(FOLDERS, [ACCOUNT, OTHER]), multipleAccounts: true, ondropmessages });
  const data = transfer();
  startMessageDrag(data, { account: ACCOUNT, folder: 'INBOX', uids: [12, 14] });
  return { ondropmessages, data };
}

describe('FolderTree, dropping messages', () => {
  beforeEach(() => lang.set('fr'));
  afterEach(() => endMessageDrag());

  it('highlights a folder that accepts the messages and hands the drop over', async () => {
    const { ondropmessages, data } = setup();
    const archive = screen.getByRole('treeitem', { name: 'Archives' });
    const over = await fireEvent.dragOver(archive, { dataTransfer: data });
    // fireEvent returns false when the handler cancelled the event: the drop is allowed.
    expect(over).toBe(false);
    expect(data.dropEffect).toBe('move');
    expect(archive.classList.contains('drop-target')).toBe(true);
    await fireEvent.drop(archive, { dataTransfer: data });
    expect(archive.classList.contains('drop-target')).toBe(false);
    expect(ondropmessages).toHaveBeenCalledTimes(1);
    expect(ondropmessages).toHaveBeenCalledWith(
      { account: ACCOUNT, folder: 'INBOX', uids: [12, 14] },
      expect.objectContaining({ account: ACCOUNT, name: 'Archive' }),
    );
  });

  it('forgets the highlight when the pointer leaves', async () => {
    const { data } = setup();
    const archive = screen.getByRole('treeitem', { name: 'Archives' });
    await fireEvent.dragOver(archive, { dataTransfer: data });
    await fireEvent.dragLeave(archive, { dataTransfer: data });
    expect(archive.classList.contains('drop-target')).toBe(false);
  });

  it('refuses a read-only folder visibly: no highlight, dropEffect none, nothing done on drop', async () => {
    const { ondropmessages, data } = setup();
    const readOnly = screen.getByRole('treeitem', { name: /Boîte de réception.*Lecture seule/ });
    const over = await fireEvent.dragOver(readOnly, { dataTransfer: data });
    expect(over).toBe(true);
    expect(data.dropEffect).toBe('none');
    expect(readOnly.classList.contains('drop-target')).toBe(false);
    await fireEvent.drop(readOnly, { dataTransfer: data });
    expect(ondropmessages).not.toHaveBeenCalled();
  });

  it('refuses the folder the messages are in and the folders of another account', async () => {
    const { ondropmessages, data } = setup();
    const conseil = screen.getByRole('treeitem', { name: 'Conseil' });
    expect(await fireEvent.dragOver(conseil, { dataTransfer: data })).toBe(true);
    expect(data.dropEffect).toBe('none');
    await fireEvent.drop(conseil, { dataTransfer: data });
    const inboxes = screen.getAllByRole('treeitem', { name: /^Boîte de réception/ });
    await fireEvent.drop(inboxes[0]!, { dataTransfer: data });
    expect(ondropmessages).not.toHaveBeenCalled();
  });
});
