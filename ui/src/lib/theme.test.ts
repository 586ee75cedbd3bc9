import { afterEach, describe, expect, it, vi } from 'vitest';
import { get } from 'svelte/store';
import { THEME_STORAGE_KEY, applyTheme, loadTheme, saveTheme } from './theme';

afterEach(() => {
  localStorage.clear();
  document.documentElement.removeAttribute('data-theme');
  vi.resetModules();
});

describe('theme', () => {
  it('follows the system unless a valid choice is stored', () => {
    expect(loadTheme()).toBe('system');
    localStorage.setItem(THEME_STORAGE_KEY, 'dark');
    expect(loadTheme()).toBe('dark');
    localStorage.setItem(THEME_STORAGE_KEY, 'violet');
    expect(loadTheme()).toBe('system');
    expect(loadTheme(null)).toBe('system');
  });

  it('stores a choice, and forgets it for the system default', () => {
    saveTheme('light');
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('light');
    saveTheme('system');
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBeNull();
  });

  it('survives a storage that refuses', () => {
    const refusing = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    } as unknown as Storage;
    expect(loadTheme(refusing)).toBe('system');
    expect(() => saveTheme('dark', refusing)).not.toThrow();
  });

  it('sets data-theme on <html>, and removes it for the system', () => {
    applyTheme('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    applyTheme('system');
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false);
  });

  it('starts from the stored choice, then applies and stores each change', async () => {
    localStorage.setItem(THEME_STORAGE_KEY, 'light');
    const { theme } = await import('./theme');
    expect(get(theme)).toBe('light');
    expect(document.documentElement.dataset.theme).toBe('light');
    theme.set('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('dark');
  });
});
