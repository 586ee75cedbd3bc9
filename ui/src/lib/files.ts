// Files to attach, from the native picker or dropped on the window, and where to save an
// attachment, from the native save dialog. Only paths travel: the core reads and writes the files.

import { open, save } from '@tauri-apps/plugin-dialog';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import { hasBackend } from './ipc';

/** Asks the user for files; [] when cancelled, or in a plain browser where there is no picker. */
export async function pickFiles(): Promise<string[]> {
  if (!hasBackend()) return [];
  const picked = await open({ multiple: true, directory: false });
  if (picked === null) return [];
  return Array.isArray(picked) ? picked : [picked];
}

/** Asks the user where to save a file, `name` proposed; null when cancelled, or in a plain
 * browser where there is no dialog. */
export async function pickSavePath(name: string): Promise<string | null> {
  if (!hasBackend()) return null;
  return (await save({ defaultPath: name })) ?? null;
}

export type FileDrag = { type: 'over' } | { type: 'drop'; paths: string[] } | { type: 'leave' };

/** Calls `handler` while files are dragged over the window and when they are dropped; resolves
 * to the function that stops listening (a no-op without a backend). */
export async function onFileDrop(handler: (drag: FileDrag) => void): Promise<() => void> {
  if (!hasBackend()) return () => {};
  return getCurrentWebview().onDragDropEvent((event) => {
    const payload = event.payload;
    if (payload.type === 'drop') handler({ type: 'drop', paths: payload.paths });
    else if (payload.type === 'leave') handler({ type: 'leave' });
    else handler({ type: 'over' });
  });
}
