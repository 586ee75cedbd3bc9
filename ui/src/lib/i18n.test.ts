import { afterEach, describe, expect, it, vi } from 'vitest';
import { get } from 'svelte/store';
import { catalogues, detectLanguage, errorMessage, interpolate, lang, plural, t } from './i18n';
import { fr } from './i18n/fr';
import { en } from './i18n/en';

afterEach(() => {
  lang.set('fr');
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('language', () => {
  it('defaults to French, English only when the system asks for it', () => {
    expect(detectLanguage(undefined)).toBe('fr');
    expect(detectLanguage('fr-FR')).toBe('fr');
    expect(detectLanguage('de-DE')).toBe('fr');
    expect(detectLanguage('en')).toBe('en');
    expect(detectLanguage('en-GB')).toBe('en');
  });

  it('starts from navigator.language', async () => {
    vi.stubGlobal('navigator', { language: 'fr-BE' });
    expect(get((await import('./i18n')).lang)).toBe('fr');
    vi.resetModules();
    vi.stubGlobal('navigator', { language: 'en-US' });
    expect(get((await import('./i18n')).lang)).toBe('en');
  });

  it('translates in the current language', () => {
    lang.set('fr');
    expect(t('role.inbox')).toBe('Boîte de réception');
    expect(t('state.selectFolder')).toBe('Sélectionnez un dossier');
    lang.set('en');
    expect(t('role.inbox')).toBe('Inbox');
  });
});

describe('interpolation', () => {
  it('fills {name} placeholders', () => {
    lang.set('fr');
    expect(t('section.mailboxOf', { owner: 'marie' })).toBe('Boîte de marie');
    expect(t('error.profile_in_use', { holder: 'poste-12' })).toBe('Profil déjà ouvert par poste-12');
    expect(interpolate('{a} et {b}', { a: 1 })).toBe('1 et {b}');
    expect(interpolate('{a}', undefined)).toBe('{a}');
  });

  it('uses the plural rules of the language', () => {
    lang.set('fr');
    expect(plural('folder.unread', 1)).toBe('1 non lu');
    expect(plural('folder.unread', 3)).toBe('3 non lus');
    expect(plural('folder.total', 1245)).toBe('1\u202f245 messages');
    lang.set('en');
    expect(plural('folder.total', 1)).toBe('1 message');
  });

  it('translates errors by kind', () => {
    lang.set('fr');
    expect(errorMessage({ kind: 'auth', message: 'LOGIN failed' })).toBe('Identifiants refusés par le serveur');
    expect(errorMessage({ kind: 'tls_untrusted', message: '' })).toBe('Certificat du serveur non reconnu');
    expect(errorMessage({ kind: 'network', message: 'timeout' })).toBe('Serveur injoignable');
    expect(
      errorMessage({
        kind: 'profile_in_use',
        message: 'le profil /home/agent/.local/share/calame est déjà ouvert par Calame (pid 4242, poste-12)',
      }),
    ).toBe('Profil déjà ouvert par Calame (pid 4242, poste-12)');
    expect(errorMessage({ kind: 'profile_in_use', message: 'the profile /p is in use by pid 7' })).toBe(
      'Profil déjà ouvert par pid 7',
    );
    expect(
      errorMessage({ kind: 'profile_in_use', message: 'le profil /srv/par défaut est déjà ouvert par poste-3' }),
    ).toBe('Profil déjà ouvert par poste-3');
    expect(errorMessage({ kind: 'profile_in_use', message: ' ' })).toBe(
      'Profil déjà ouvert par une autre instance de Calame',
    );
  });
});

describe('catalogues', () => {
  it('has every French key in English, with the same placeholders, and nothing else', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(fr).sort());
    const names = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
    for (const key of Object.keys(fr) as (keyof typeof fr)[]) {
      expect(names(en[key]), key).toEqual(names(fr[key]));
      expect(en[key].trim(), key).not.toBe('');
    }
    expect(catalogues.fr).toBe(fr);
  });
});
