// Moving messages between folders: what a drag of message rows carries, and which folders may
// receive them. Pure but for the drag in progress, kept here because a `dragover` handler may not
// read the dragged data (browsers only show its types until the drop) yet must decide at once
// whether the folder under the pointer accepts it.

import type { Folder } from './bindings/Folder';
import { canInsert } from './folders';

/** The MIME type of dragged message rows (other applications ignore it). */
export const MESSAGE_DRAG_TYPE = 'application/x-calame-messages';

/** Messages of one folder of one account, by UID. */
export type MessageDrag = { account: string; folder: string; uids: number[] };

let current: MessageDrag | null = null;

/** Starts dragging messages: the data goes on the transfer (for the drop) and is kept here
 * (for `dragover`). */
export function startMessageDrag(transfer: DataTransfer | null, drag: MessageDrag): void {
  current = drag;
  if (!transfer) return;
  transfer.effectAllowed = 'move';
  transfer.setData(MESSAGE_DRAG_TYPE, JSON.stringify(drag));
  // Something readable for other drop targets (a text field): the count, no content.
  transfer.setData('text/plain', `${drag.uids.length}`);
}

/** The messages being dragged in this window, if any. */
export function currentMessageDrag(): MessageDrag | null {
  return current;
}

/** The drag is over (dropped or abandoned). */
export function endMessageDrag(): void {
  current = null;
}

function isDrag(value: unknown): value is MessageDrag {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.account === 'string' &&
    typeof v.folder === 'string' &&
    Array.isArray(v.uids) &&
    v.uids.every((uid) => typeof uid === 'number')
  );
}

/** The dragged messages at the drop: from the transfer, else the drag in progress. */
export function readMessageDrag(transfer: DataTransfer | null): MessageDrag | null {
  const raw = transfer?.getData(MESSAGE_DRAG_TYPE) ?? '';
  if (raw !== '') {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isDrag(parsed)) return parsed;
    } catch {
      // Not ours after all: fall back on the drag in progress.
    }
  }
  return current;
}

/** The folder can receive these messages: same account (the core moves within one server),
 * a real folder, not the one they are in, and the user may insert into it (not read-only). */
export function canReceive(folder: Folder, drag: Pick<MessageDrag, 'account' | 'folder'>): boolean {
  return folder.account === drag.account && folder.selectable && folder.name !== drag.folder && canInsert(folder.rights);
}

/** The folders a message of `source` may be moved to, in the order given. */
export function moveTargets(folders: Folder[], source: Pick<MessageDrag, 'account' | 'folder'>): Folder[] {
  return folders.filter((folder) => !(folder.shared && folder.owner === null) && canReceive(folder, source));
}
