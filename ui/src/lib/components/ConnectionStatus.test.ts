import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import ConnectionStatus from './ConnectionStatus.svelte';
import { createStatus } from '../status';
import { lang } from '../i18n';

const A = 'agent@mairie-exemple.fr';

describe('ConnectionStatus', () => {
  beforeEach(() => {
    lang.set('fr');
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts down to the next try, in a polite live region', () => {
    let now = 0;
    const status = createStatus(() => now);
    render(ConnectionStatus, { status, clock: () => now });
    flushSync(() => status.event({ event: 'offline', account: A, retry_in_seconds: 30 }));
    const badge = screen.getByText('Hors ligne — nouvel essai dans 30 s');
    expect(badge.closest('[aria-live]')?.getAttribute('aria-live')).toBe('polite');
    now = 12_000;
    flushSync(() => vi.advanceTimersByTime(1000));
    expect(screen.getByText('Hors ligne — nouvel essai dans 18 s')).toBeTruthy();
    now = 31_000;
    flushSync(() => vi.advanceTimersByTime(1000));
    expect(screen.getByText('Hors ligne — nouvel essai en cours')).toBeTruthy();
  });

  it('names the account when there are several, and says when the computer is offline', () => {
    const status = createStatus(() => 0);
    render(ConnectionStatus, { status, multipleAccounts: true, clock: () => 0 });
    flushSync(() => status.event({ event: 'offline', account: A, retry_in_seconds: 5 }));
    expect(screen.getByText(`${A} hors ligne — nouvel essai dans 5 s`)).toBeTruthy();
    flushSync(() => status.network(false));
    expect(screen.getAllByText('Hors ligne').length).toBeGreaterThan(0);
  });

  it('shows the progress of a sync with the folder as the user reads it', () => {
    const status = createStatus();
    render(ConnectionStatus, { status, folderName: (_a: string, f: string) => (f === 'INBOX' ? 'Boîte de réception' : f) });
    flushSync(() => status.progress({ account: A, folder: 'INBOX', stage: 'envelopes', done: 0, total: 0 }));
    const bar = screen.getByRole('progressbar', { name: 'Progression de la synchronisation' });
    expect(bar.hasAttribute('aria-valuenow')).toBe(false);
    flushSync(() => status.progress({ account: A, folder: 'INBOX', stage: 'envelopes', done: 3, total: 4 }));
    expect(bar.getAttribute('aria-valuenow')).toBe('75');
    expect(bar.getAttribute('aria-valuetext')).toBe('75 %');
    expect(screen.getByText('Synchronisation de Boîte de réception…')).toBeTruthy();
  });
});
