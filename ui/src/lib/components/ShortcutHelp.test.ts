import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import ShortcutHelp from './ShortcutHelp.svelte';
import { SHORTCUTS } from '../shortcuts';
import { fr } from '../i18n/fr';
import { lang } from '../i18n';

describe('ShortcutHelp', () => {
  it('lists every shortcut of the table under its group, keys in <kbd>', () => {
    lang.set('fr');
    render(ShortcutHelp, { onclose: vi.fn() });
    const dialog = screen.getByRole('dialog', { name: 'Raccourcis clavier' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    for (const shortcut of SHORTCUTS) expect(within(dialog).getByText(fr[shortcut.label])).toBeTruthy();
    const compose = screen.getByRole('region', { name: 'Rédaction' });
    const replyAll = within(compose).getByText('Répondre à tous').closest('.row')!;
    expect([...replyAll.querySelectorAll('kbd')].map((k) => k.textContent)).toEqual(['a', 'Maj', 'R', 'Ctrl', 'Maj', 'R']);
  });

  it('closes on Escape, on its button and on a click outside', async () => {
    const onclose = vi.fn();
    const { container } = render(ShortcutHelp, { onclose });
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Fermer' }));
    await fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    await fireEvent.click(screen.getByRole('button', { name: 'Fermer' }));
    await fireEvent.click(screen.getByRole('dialog'));
    expect(onclose).toHaveBeenCalledTimes(2);
    await fireEvent.click(container.querySelector('.backdrop')!);
    expect(onclose).toHaveBeenCalledTimes(3);
  });
});
