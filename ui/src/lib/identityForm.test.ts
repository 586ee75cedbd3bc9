import { describe, expect, it } from 'vitest';
import type { Identity } from './bindings/Identity';
import { formOf, identityOf, identityProblems, ownFirst } from './identityForm';

const OWN: Identity = {
  email: 'agent@mairie-exemple.fr',
  name: 'Agent Exemple',
  mode: 'own',
  signature: 'Agent Exemple\nMairie',
  reply_to: null,
  sent_folder: null,
  discovered: false,
};
const SERVICE: Identity = { ...OWN, email: 'etat-civil@mairie-exemple.fr', name: null, mode: 'send_as', signature: null, discovered: true };

describe('identityForm', () => {
  it('fills the form from an identity and gives it back, blanks as none', () => {
    const form = formOf(OWN);
    expect(form).toEqual({ email: OWN.email, name: 'Agent Exemple', signature: 'Agent Exemple\nMairie', replyTo: '', sentFolder: '', mode: 'own' });
    expect(identityOf(form, OWN)).toEqual(OWN);
    expect(identityOf({ ...form, name: '  ', signature: '\n  \n', replyTo: ' accueil@mairie-exemple.fr ', sentFolder: 'Envoyés/Accueil' }, OWN)).toEqual({
      ...OWN,
      name: null,
      signature: null,
      reply_to: 'accueil@mairie-exemple.fr',
      sent_folder: 'Envoyés/Accueil',
    });
  });

  it('keeps a signature’s layout but not its trailing blank lines', () => {
    expect(identityOf({ ...formOf(OWN), signature: '  Le maire\n\n  Mairie\n\n' }, OWN).signature).toBe('  Le maire\n\n  Mairie');
  });

  it('keeps a discovered mailbox discovered, and its address', () => {
    expect(identityOf({ ...formOf(SERVICE), email: 'autre@x.fr', signature: 'État civil' }, SERVICE)).toMatchObject({
      email: SERVICE.email,
      discovered: true,
      signature: 'État civil',
    });
  });

  it('a new identity sends as its address, and needs a valid address not yet known', () => {
    expect(formOf(null).mode).toBe('send_as');
    const form = { ...formOf(null), email: 'elus@mairie-exemple.fr' };
    expect(identityProblems(form, null, [OWN, SERVICE])).toEqual([]);
    expect(identityOf(form, null)).toMatchObject({ email: 'elus@mairie-exemple.fr', discovered: false, mode: 'send_as' });
    expect(identityProblems({ ...form, email: 'elus@mairie' }, null, [])).toEqual(['badAddress']);
    expect(identityProblems({ ...form, email: 'Etat-Civil@mairie-exemple.fr' }, null, [OWN, SERVICE])).toEqual(['exists']);
    expect(identityProblems({ ...form, replyTo: 'pas une adresse' }, null, [])).toEqual(['badReplyTo']);
    expect(identityProblems({ ...formOf(OWN), replyTo: 'accueil@mairie-exemple.fr' }, OWN, [OWN])).toEqual([]);
  });

  it('puts the account’s own address first', () => {
    expect(ownFirst('AGENT@mairie-exemple.fr', [SERVICE, OWN]).map((i) => i.email)).toEqual([OWN.email, SERVICE.email]);
  });
});
