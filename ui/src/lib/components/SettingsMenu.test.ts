import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import SettingsMenu from './SettingsMenu.svelte';
import { theme } from '../theme';
import { lang } from '../i18n';

afterEach(() => {
  theme.set('system');
  localStorage.clear();
});

describe('SettingsMenu', () => {
  it('opens a panel with the theme choice, and closes on Escape with the focus back', async () => {
    lang.set('fr');
    render(SettingsMenu, { onaddaccount: vi.fn() });
    const toggle = screen.getByRole('button', { name: 'Paramètres' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect((screen.getByRole('radio', { name: 'Système' }) as HTMLInputElement).checked).toBe(true);
    await fireEvent.click(screen.getByRole('radio', { name: 'Clair' }));
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(localStorage.getItem('calame.theme')).toBe('light');
    await fireEvent.keyDown(screen.getByRole('radio', { name: 'Clair' }), { key: 'Escape' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(toggle);
  });

  it('closes on a click elsewhere, and offers adding an account', async () => {
    const onaddaccount = vi.fn();
    render(SettingsMenu, { onaddaccount });
    const toggle = screen.getByRole('button', { name: 'Paramètres' });
    await fireEvent.click(toggle);
    await fireEvent.click(document.body);
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await fireEvent.click(toggle);
    await fireEvent.click(screen.getByRole('button', { name: 'Ajouter un compte' }));
    expect(onaddaccount).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('button', { name: 'Raccourcis clavier' })).toBeNull();
  });

  it('offers identities and signatures', async () => {
    lang.set('fr');
    const onidentities = vi.fn();
    render(SettingsMenu, { onidentities });
    const toggle = screen.getByRole('button', { name: 'Paramètres' });
    await fireEvent.click(toggle);
    await fireEvent.click(screen.getByRole('button', { name: 'Identités et signatures' }));
    expect(onidentities).toHaveBeenCalledTimes(1);
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(toggle);
  });
});
