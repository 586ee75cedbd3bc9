// What the account wizard needs besides its markup: server settings guessed from the address,
// the checks made before asking the core, the `AccountSetup` sent to `addAccount`, and the
// certificate fingerprint written for a human to compare.

import type { AccountSetup } from './bindings/AccountSetup';
import type { TlsMode } from './bindings/TlsMode';

export type Protocol = 'imap' | 'smtp';

export type ServerFields = { host: string; port: string; security: TlsMode };

export type WizardFields = {
  email: string;
  name: string;
  login: string;
  imap: ServerFields;
  smtp: ServerFields;
  caldav: string;
};

export const TLS_MODES: TlsMode[] = ['implicit', 'starttls', 'none'];

/** The usual port of a protocol for a protection mode (IANA: 993/143, 465/587). */
export function defaultPort(protocol: Protocol, security: TlsMode): number {
  if (protocol === 'imap') return security === 'implicit' ? 993 : 143;
  return security === 'implicit' ? 465 : security === 'starttls' ? 587 : 25;
}

/** A plausible address: something, one @, a domain with a dot (or localhost, for tests). */
export function isValidEmail(email: string): boolean {
  return /^[^\s@]+@([^\s@.]+\.)+[^\s@.]+$|^[^\s@]+@localhost$/u.test(email.trim());
}

/** The domain of an address, lower case; null without one. */
export function domainOf(email: string): string | null {
  const at = email.trim().lastIndexOf('@');
  if (at < 0) return null;
  const domain = email.trim().slice(at + 1).toLowerCase();
  return domain === '' ? null : domain;
}

/** The servers most small providers and town-hall hostings use: imap.DOMAIN over TLS on 993,
 * smtp.DOMAIN over TLS on 465. Only a guess; the user sees and can change them. */
export function guessServers(email: string): { imap: ServerFields; smtp: ServerFields } | null {
  const domain = domainOf(email);
  if (!domain) return null;
  return {
    imap: { host: `imap.${domain}`, port: String(defaultPort('imap', 'implicit')), security: 'implicit' },
    smtp: { host: `smtp.${domain}`, port: String(defaultPort('smtp', 'implicit')), security: 'implicit' },
  };
}

/** Where a CalDAV server usually answers (RFC 6764), shown as a hint, not filled in: a wrong
 * guess would make the account fail for a calendar the user may not even have. */
export function caldavHint(email: string): string | null {
  const domain = domainOf(email);
  return domain ? `https://${domain}/.well-known/caldav` : null;
}

/** True for this computer: the only place a connection without encryption is acceptable. */
export function isLocalHost(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}

export type ServerProblem = 'invalid' | 'insecure';

export function serverProblem(server: ServerFields): ServerProblem | null {
  const host = server.host.trim();
  const port = Number(server.port);
  if (host === '' || /\s|\//.test(host) || !Number.isInteger(port) || port < 1 || port > 65535) return 'invalid';
  if (server.security === 'none' && !isLocalHost(host)) return 'insecure';
  return null;
}

/** `HOST:PORT`, with brackets around an IPv6 address. */
export function hostPort(server: ServerFields): string {
  const host = server.host.trim();
  const bare = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${bare}:${Number(server.port)}`;
}

function orNull(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** What `addAccount` receives; `trustCert` only once the user has accepted that fingerprint. */
export function buildSetup(fields: WizardFields, trustCert: string | null = null): AccountSetup {
  return {
    email: fields.email.trim(),
    name: orNull(fields.name),
    login: orNull(fields.login),
    imap: hostPort(fields.imap),
    smtp: hostPort(fields.smtp),
    caldav: orNull(fields.caldav),
    tls: fields.imap.security,
    smtp_tls: fields.smtp.security,
    trust_cert: trustCert,
  };
}

/** "ab12cd…" → "AB:12:CD:…": the way certificate viewers show it, easy to read aloud by pairs. */
export function formatFingerprint(hex: string): string {
  const digits = hex.replace(/[^0-9a-f]/gi, '').toUpperCase();
  return (digits.match(/.{1,2}/g) ?? []).join(':');
}

/** Which of the servers an error is about, from the core's sentence (it names the host);
 * the IMAP server, checked first, when the sentence names none. */
export function serverInError(message: string, fields: WizardFields): string {
  const text = message.toLowerCase();
  const candidates = [fields.smtp.host, caldavHost(fields.caldav), fields.imap.host];
  for (const host of candidates) {
    const name = host?.trim().toLowerCase();
    if (name && text.includes(name)) return host!.trim();
  }
  return fields.imap.host.trim();
}

function caldavHost(url: string): string | null {
  try {
    return url.trim() === '' ? null : new URL(url.trim()).hostname;
  } catch {
    return null;
  }
}
