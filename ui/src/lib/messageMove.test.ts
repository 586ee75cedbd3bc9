import { afterEach, describe, expect, it } from 'vitest';
import {
  MESSAGE_DRAG_TYPE,
  canReceive,
  currentMessageDrag,
  endMessageDrag,
  moveTargets,
  readMessageDrag,
  startMessageDrag,
} from './messageMove';
import { ACCOUNT, folder } from './testing/fixtures';

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

describe('messageMove', () => {
  afterEach(() => endMessageDrag());

  it('carries the dragged messages on the transfer and keeps them for dragover', () => {
    const t = transfer();
    const drag = { account: ACCOUNT, folder: 'INBOX', uids: [3, 5] };
    startMessageDrag(t, drag);
    expect(t.effectAllowed).toBe('move');
    expect(JSON.parse(t.getData(MESSAGE_DRAG_TYPE))).toEqual(drag);
    expect(currentMessageDrag()).toEqual(drag);
    expect(readMessageDrag(t)).toEqual(drag);
    endMessageDrag();
    expect(currentMessageDrag()).toBeNull();
    expect(readMessageDrag(transfer())).toBeNull();
  });

  it('refuses read-only folders, other accounts, the source folder and containers', () => {
    const from = { account: ACCOUNT, folder: 'INBOX' };
    expect(canReceive(folder({ name: 'Archive' }), from)).toBe(true);
    expect(canReceive(folder({ name: 'Shared/accueil/INBOX', rights: 'lrs' }), from)).toBe(false);
    expect(canReceive(folder({ name: 'Archive', account: 'autre@mairie-exemple.fr' }), from)).toBe(false);
    expect(canReceive(folder({ name: 'INBOX' }), from)).toBe(false);
    expect(canReceive(folder({ name: 'Projets', selectable: false }), from)).toBe(false);
    // No ACL extension: every right assumed, the server refuses what it must.
    expect(canReceive(folder({ name: 'Archive', rights: '' }), from)).toBe(true);
  });

  it('lists the folders a message may be moved to', () => {
    const folders = [
      folder({ name: 'INBOX', role: 'inbox' }),
      folder({ name: 'Archive', role: 'archive' }),
      folder({ name: 'Shared', shared: true }),
      folder({ name: 'Shared/accueil/INBOX', shared: true, owner: 'accueil', rights: 'lrs' }),
      folder({ name: 'Shared/accueil/Demandes', shared: true, owner: 'accueil' }),
    ];
    expect(moveTargets(folders, { account: ACCOUNT, folder: 'INBOX' }).map((f) => f.name)).toEqual([
      'Archive',
      'Shared/accueil/Demandes',
    ]);
  });
});
