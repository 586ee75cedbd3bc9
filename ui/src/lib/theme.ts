// The colour theme: follow the system (default), or always light, or always dark. The choice is
// kept in localStorage (a display preference of this computer, not of the mail account) and
// applied as `data-theme` on <html>, which app.css reads; without it, the system decides.

import { writable } from 'svelte/store';

export type ThemeChoice = 'system' | 'light' | 'dark';

export const THEME_CHOICES: ThemeChoice[] = ['system', 'light', 'dark'];

export const THEME_STORAGE_KEY = 'calame.theme';

function isChoice(value: unknown): value is ThemeChoice {
  return typeof value === 'string' && (THEME_CHOICES as string[]).includes(value);
}

function defaultStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    // Storage can be refused (private mode, policy): the theme then lasts for the session.
    return null;
  }
}

/** The stored choice; `system` when none or unreadable. */
export function loadTheme(storage: Storage | null = defaultStorage()): ThemeChoice {
  try {
    const value = storage?.getItem(THEME_STORAGE_KEY);
    return isChoice(value) ? value : 'system';
  } catch {
    return 'system';
  }
}

/** Stores the choice (`system` removes the entry, so a later default applies). */
export function saveTheme(choice: ThemeChoice, storage: Storage | null = defaultStorage()): void {
  try {
    if (choice === 'system') storage?.removeItem(THEME_STORAGE_KEY);
    else storage?.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // Full or refused storage: nothing to do, the choice still applies now.
  }
}

/** Sets `data-theme` on the root element (removed for `system`). */
export function applyTheme(choice: ThemeChoice, root: HTMLElement | null = defaultRoot()): void {
  if (!root) return;
  if (choice === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', choice);
}

function defaultRoot(): HTMLElement | null {
  return typeof document === 'undefined' ? null : document.documentElement;
}

/** The current choice; setting it applies and stores it. Starts from the stored choice. */
function createTheme() {
  const store = writable<ThemeChoice>(loadTheme());
  let first = true;
  store.subscribe((choice) => {
    applyTheme(choice);
    // The first value comes from storage: writing it back would be pointless.
    if (!first) saveTheme(choice);
    first = false;
  });
  return store;
}

export const theme = createTheme();
