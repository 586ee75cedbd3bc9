import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const dialog = vi.hoisted(() => ({ open: vi.fn(), save: vi.fn() }));
vi.mock('@tauri-apps/plugin-dialog', () => dialog);
const webview = vi.hoisted(() => ({ handler: null as ((event: { payload: unknown }) => void) | null, unlisten: vi.fn() }));
vi.mock('@tauri-apps/api/webview', () => ({
  getCurrentWebview: () => ({
    onDragDropEvent: async (handler: (event: { payload: unknown }) => void) => {
      webview.handler = handler;
      return webview.unlisten;
    },
  }),
}));

import { onFileDrop, pickFiles, pickSavePath, type FileDrag } from './files';

const internals = window as unknown as Record<string, unknown>;

describe('files', () => {
  beforeEach(() => {
    dialog.open.mockReset();
    dialog.save.mockReset();
    webview.handler = null;
  });
  afterEach(() => {
    delete internals.__TAURI_INTERNALS__;
  });

  it('asks nothing without a backend', async () => {
    expect(await pickFiles()).toEqual([]);
    expect(dialog.open).not.toHaveBeenCalled();
    const stop = await onFileDrop(() => {});
    stop();
    expect(webview.handler).toBeNull();
  });

  it('returns the picked paths, none when cancelled', async () => {
    internals.__TAURI_INTERNALS__ = {};
    dialog.open.mockResolvedValueOnce(['/home/agent/a.pdf', '/home/agent/b.odt']).mockResolvedValueOnce(null);
    expect(await pickFiles()).toEqual(['/home/agent/a.pdf', '/home/agent/b.odt']);
    expect(dialog.open).toHaveBeenCalledWith({ multiple: true, directory: false });
    expect(await pickFiles()).toEqual([]);
  });

  it('reports files dragged over, dropped, or taken away', async () => {
    internals.__TAURI_INTERNALS__ = {};
    const seen: FileDrag[] = [];
    const stop = await onFileDrop((drag) => seen.push(drag));
    webview.handler!({ payload: { type: 'enter', paths: ['/a'], position: { x: 0, y: 0 } } });
    webview.handler!({ payload: { type: 'over', position: { x: 1, y: 1 } } });
    webview.handler!({ payload: { type: 'leave' } });
    webview.handler!({ payload: { type: 'drop', paths: ['/a', '/b'], position: { x: 1, y: 1 } } });
    expect(seen).toEqual([{ type: 'over' }, { type: 'over' }, { type: 'leave' }, { type: 'drop', paths: ['/a', '/b'] }]);
    stop();
    expect(webview.unlisten).toHaveBeenCalled();
  });

  it('asks where to save a file, the name proposed; null when cancelled or without a backend', async () => {
    expect(await pickSavePath('programme.pdf')).toBeNull();
    expect(dialog.save).not.toHaveBeenCalled();
    internals.__TAURI_INTERNALS__ = {};
    dialog.save.mockResolvedValueOnce('/home/agent/Documents/programme.pdf').mockResolvedValueOnce(null);
    expect(await pickSavePath('programme.pdf')).toBe('/home/agent/Documents/programme.pdf');
    expect(dialog.save).toHaveBeenCalledWith({ defaultPath: 'programme.pdf' });
    expect(await pickSavePath('programme.pdf')).toBeNull();
  });
});
