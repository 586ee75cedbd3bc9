import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import { accounts, folders, hasBackend, refreshFolders, toAppError } from './ipc';

describe('ipc', () => {
  beforeEach(() => {
    (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__ = {};
    invoke.mockReset();
  });
  afterEach(() => {
    delete (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__;
  });

  it('calls the commands by their Rust names with their arguments', async () => {
    invoke.mockResolvedValue([]);
    await accounts();
    await folders();
    await refreshFolders('agent@mairie.fr');
    expect(invoke.mock.calls).toEqual([
      ['accounts', undefined],
      ['folders', undefined],
      ['refresh_folders', { account: 'agent@mairie.fr' }],
    ]);
  });

  it('rejects with a typed AppError', async () => {
    invoke.mockRejectedValueOnce({ kind: 'auth', message: 'AUTHENTICATIONFAILED' });
    await expect(folders()).rejects.toEqual({ kind: 'auth', message: 'AUTHENTICATIONFAILED' });
    invoke.mockRejectedValueOnce('command folders not found');
    await expect(folders()).rejects.toEqual({ kind: 'other', message: 'command folders not found' });
  });

  it('rejects without calling anything when there is no backend', async () => {
    delete (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__;
    expect(hasBackend()).toBe(false);
    await expect(accounts()).rejects.toMatchObject({ kind: 'other' });
    expect(invoke).not.toHaveBeenCalled();
  });
});

describe('toAppError', () => {
  it('keeps known shapes and falls back to other', () => {
    expect(toAppError({ kind: 'offline', message: 'no route' })).toEqual({ kind: 'offline', message: 'no route' });
    expect(toAppError({ kind: 'quota', message: 'full' })).toEqual({ kind: 'other', message: 'full' });
    expect(toAppError({ kind: 'storage' })).toEqual({ kind: 'storage', message: '' });
    expect(toAppError(new Error('boom'))).toEqual({ kind: 'other', message: 'boom' });
    expect(toAppError({ code: 3 })).toEqual({ kind: 'other', message: '{"code":3}' });
    expect(toAppError(null)).toEqual({ kind: 'other', message: 'null' });
    expect(toAppError(42)).toEqual({ kind: 'other', message: '42' });
  });
});
