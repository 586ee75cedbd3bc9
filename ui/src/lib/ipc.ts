// The only module that talks to the Rust core. Every command is wrapped here with its argument
// and result types (generated from Rust into ./bindings); failures always reject with an
// `AppError`, whatever the shape that came over the bridge.

import { invoke } from '@tauri-apps/api/core';
import type { AccountSummary } from './bindings/AccountSummary';
import type { AppError } from './bindings/AppError';
import type { ErrorKind } from './bindings/ErrorKind';
import type { Folder } from './bindings/Folder';
import type { Lang } from './bindings/Lang';

// A record, not a list: the type check fails when the Rust side adds a kind missing here.
const ERROR_KINDS: Record<ErrorKind, true> = {
  bad_input: true,
  auth: true,
  tls_untrusted: true,
  network: true,
  refused: true,
  conflict: true,
  profile_in_use: true,
  not_found: true,
  offline: true,
  storage: true,
  protocol: true,
  keyring: true,
  other: true,
};

function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_KINDS, value);
}

/** Turns anything a command can reject with into an `AppError`; kind `other` when unknown. */
export function toAppError(raw: unknown): AppError {
  if (typeof raw === 'object' && raw !== null) {
    const { kind, message } = raw as { kind?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : raw instanceof Error ? raw.message : '';
    if (isErrorKind(kind)) return { kind, message: text };
    if (typeof message === 'string') return { kind: 'other', message };
    try {
      return { kind: 'other', message: JSON.stringify(raw) };
    } catch {
      return { kind: 'other', message: String(raw) };
    }
  }
  if (typeof raw === 'string') return { kind: 'other', message: raw };
  return { kind: 'other', message: String(raw) };
}

export function isAppError(value: unknown): value is AppError {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, message } = value as { kind?: unknown; message?: unknown };
  return isErrorKind(kind) && typeof message === 'string';
}

/** True inside the Tauri app; false in a plain browser, where no command can answer. */
export function hasBackend(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  if (!hasBackend()) {
    throw { kind: 'other', message: 'no Tauri backend' } satisfies AppError;
  }
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw toAppError(raw);
  }
}

/** The configured accounts, in the order the user set them up. */
export function accounts(): Promise<AccountSummary[]> {
  return call<AccountSummary[]>('accounts');
}

/** Folders of every account, from the local cache (fast, works offline). */
export function folders(): Promise<Folder[]> {
  return call<Folder[]>('folders');
}

/** Asks the server of `account` for its folder list, updates the cache, returns that account's
 * folders. */
export function refreshFolders(account: string): Promise<Folder[]> {
  return call<Folder[]>('refresh_folders', { account });
}

/** The interface language the app was started with (French unless the system asks for
 * English). */
export function uiLanguage(): Promise<Lang> {
  return call<Lang>('ui_language');
}
