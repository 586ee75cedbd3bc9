import { describe, expect, it } from 'vitest';
import {
  buildSetup,
  caldavHint,
  defaultPort,
  formatFingerprint,
  guessServers,
  isLocalHost,
  isValidEmail,
  serverInError,
  serverProblem,
  type WizardFields,
} from './accountSetup';

const fields: WizardFields = {
  email: ' agent@mairie-exemple.fr ',
  name: 'Agent Accueil',
  login: '',
  imap: { host: 'imap.mairie-exemple.fr', port: '993', security: 'implicit' },
  smtp: { host: 'smtp.mairie-exemple.fr', port: '465', security: 'implicit' },
  caldav: '',
};

describe('account setup', () => {
  it('guesses the servers from the domain', () => {
    expect(guessServers('Agent@Mairie-Exemple.fr')).toEqual({
      imap: { host: 'imap.mairie-exemple.fr', port: '993', security: 'implicit' },
      smtp: { host: 'smtp.mairie-exemple.fr', port: '465', security: 'implicit' },
    });
    expect(guessServers('agent')).toBeNull();
    expect(caldavHint('agent@mairie-exemple.fr')).toBe('https://mairie-exemple.fr/.well-known/caldav');
  });

  it('knows the usual ports', () => {
    expect(defaultPort('imap', 'starttls')).toBe(143);
    expect(defaultPort('smtp', 'starttls')).toBe(587);
    expect(defaultPort('smtp', 'none')).toBe(25);
  });

  it('checks addresses and servers, allowing no encryption only on this computer', () => {
    expect(isValidEmail('agent@mairie-exemple.fr')).toBe(true);
    expect(isValidEmail('agent@mairie')).toBe(false);
    expect(isValidEmail('agent mairie@exemple.fr')).toBe(false);
    expect(isLocalHost('localhost')).toBe(true);
    expect(isLocalHost('127.0.0.1')).toBe(true);
    expect(isLocalHost('[::1]')).toBe(true);
    expect(isLocalHost('imap.exemple.fr')).toBe(false);
    expect(serverProblem({ host: 'imap.exemple.fr', port: '993', security: 'implicit' })).toBeNull();
    expect(serverProblem({ host: 'imap.exemple.fr', port: '99999', security: 'implicit' })).toBe('invalid');
    expect(serverProblem({ host: '', port: '993', security: 'implicit' })).toBe('invalid');
    expect(serverProblem({ host: 'imap.exemple.fr', port: '143', security: 'none' })).toBe('insecure');
    expect(serverProblem({ host: 'localhost', port: '1143', security: 'none' })).toBeNull();
  });

  it('builds the AccountSetup sent to the core', () => {
    expect(buildSetup(fields)).toEqual({
      email: 'agent@mairie-exemple.fr',
      name: 'Agent Accueil',
      login: null,
      imap: 'imap.mairie-exemple.fr:993',
      smtp: 'smtp.mairie-exemple.fr:465',
      caldav: null,
      tls: 'implicit',
      smtp_tls: 'implicit',
      trust_cert: null,
    });
    const ipv6 = buildSetup({ ...fields, imap: { host: '::1', port: '1143', security: 'none' } }, 'ab');
    expect(ipv6.imap).toBe('[::1]:1143');
    expect(ipv6.trust_cert).toBe('ab');
  });

  it('writes a fingerprint in pairs of hex digits', () => {
    expect(formatFingerprint('ab12cd3f')).toBe('AB:12:CD:3F');
    expect(formatFingerprint('AB:12:cd')).toBe('AB:12:CD');
  });

  it('finds the server an error is about', () => {
    expect(serverInError('connexion à smtp.mairie-exemple.fr:465 impossible', fields)).toBe('smtp.mairie-exemple.fr');
    expect(serverInError('timeout', fields)).toBe('imap.mairie-exemple.fr');
    const withCaldav = { ...fields, caldav: 'https://agenda.mairie-exemple.fr/dav' };
    expect(serverInError('agenda.mairie-exemple.fr: refused', withCaldav)).toBe('agenda.mairie-exemple.fr');
  });
});
