import { describe, expect, it } from 'vitest';
import type { Identity } from './bindings/Identity';
import type { OutboxItem } from './bindings/OutboxItem';
import {
  appendRecipients,
  buildDraft,
  choiceForDraft,
  choiceForOwner,
  fileName,
  formatAddress,
  formatAddresses,
  formSnapshot,
  groupOutbox,
  identityChoices,
  isDirty,
  isInsideToken,
  isStopped,
  mentionsAttachment,
  parseAddress,
  parseRecipients,
  pendingCount,
  sendProblems,
  senderFields,
  signatureBlock,
  startText,
  swapSignature,
  toRecipients,
  type ComposeForm,
} from './composer';

const ACCOUNT = 'agent@mairie-exemple.fr';
const translate = (key: string, params?: Record<string, string | number>): string =>
  key === 'compose.identity.onBehalf'
    ? `${params?.address} (de la part de)`
    : key === 'compose.identity.sendAs'
      ? `${params?.address} (en tant que)`
      : key;

function identity(partial: Partial<Identity> & Pick<Identity, 'email' | 'mode'>): Identity {
  return { name: null, signature: null, reply_to: null, sent_folder: null, discovered: false, ...partial };
}

const IDENTITIES: Identity[] = [
  identity({ email: 'urbanisme@mairie-exemple.fr', mode: 'on_behalf', signature: 'Service urbanisme' }),
  identity({ email: 'accueil@mairie-exemple.fr', mode: 'send_as', signature: 'Accueil de la mairie' }),
  identity({ email: ACCOUNT, mode: 'own', name: 'Camille Agent', signature: 'Camille Agent\nMairie' }),
];

function form(partial: Partial<ComposeForm> = {}): ComposeForm {
  return {
    account: ACCOUNT,
    identity: null,
    to: [],
    cc: [],
    bcc: [],
    subject: '',
    text: '',
    files: [],
    carried: [],
    removed: [],
    answering: null,
    draftId: null,
    ...partial,
  };
}

describe('recipients', () => {
  it('reads names, bare addresses and every separator', () => {
    const parsed = parseRecipients('Jean Dupont <jean@exemple.fr>, marie@exemple.fr; <paul@exemple.fr>\nmailto:zoe@exemple.fr');
    expect(parsed.addresses).toEqual([
      { name: 'Jean Dupont', email: 'jean@exemple.fr' },
      { name: null, email: 'marie@exemple.fr' },
      { name: null, email: 'paul@exemple.fr' },
      { name: null, email: 'zoe@exemple.fr' },
    ]);
    expect(parsed.invalid).toEqual([]);
  });

  it('keeps a quoted name with a comma in one piece', () => {
    expect(parseRecipients('"Dupont, Jean" <jean@exemple.fr>, "Le \\"Chef\\"" <chef@exemple.fr>').addresses).toEqual([
      { name: 'Dupont, Jean', email: 'jean@exemple.fr' },
      { name: 'Le "Chef"', email: 'chef@exemple.fr' },
    ]);
  });

  it('reports what is not an address, in place', () => {
    const parsed = parseRecipients('jean@exemple.fr, jean.dupont@mairie, Marie, ;;, <pas une adresse>');
    expect(parsed.addresses).toEqual([{ name: null, email: 'jean@exemple.fr' }]);
    expect(parsed.invalid).toEqual(['jean.dupont@mairie', 'Marie', '<pas une adresse>']);
    expect(parsed.recipients.map((r) => r.kind)).toEqual(['address', 'invalid', 'invalid', 'invalid']);
    expect(parseAddress('a b@exemple.fr')).toBeNull();
  });

  it('tells whether a separator would fall inside a name', () => {
    expect(isInsideToken('"Dupont')).toBe(true);
    expect(isInsideToken('"Dupont, Jean" <jean')).toBe(true);
    expect(isInsideToken('"Dupont, Jean" <jean@exemple.fr>')).toBe(false);
    expect(isInsideToken('jean@exemple.fr')).toBe(false);
  });

  it('writes addresses back so that they read the same', () => {
    const list = [
      { name: 'Dupont, Jean', email: 'jean@exemple.fr' },
      { name: 'Marie Curie', email: 'marie@exemple.fr' },
      { name: null, email: 'paul@exemple.fr' },
      { name: 'Le "Chef"', email: 'chef@exemple.fr' },
    ];
    expect(formatAddress(list[0]!)).toBe('"Dupont, Jean" <jean@exemple.fr>');
    expect(formatAddress(list[1]!)).toBe('Marie Curie <marie@exemple.fr>');
    expect(formatAddress(list[2]!)).toBe('paul@exemple.fr');
    expect(parseRecipients(formatAddresses(list)).addresses).toEqual(list);
  });

  it('does not add an address twice', () => {
    const current = toRecipients([{ name: null, email: 'Jean@exemple.fr' }]);
    const added = parseRecipients('jean@exemple.fr, marie@exemple.fr').recipients;
    expect(appendRecipients(current, added).map((r) => (r.kind === 'address' ? r.address.email : r.text))).toEqual([
      'Jean@exemple.fr',
      'marie@exemple.fr',
    ]);
  });
});

describe('identities', () => {
  const choices = identityChoices(ACCOUNT, IDENTITIES, translate);

  it('lists the own address first, then send-as, then on-behalf identities', () => {
    expect(choices.map((c) => c.label)).toEqual([
      'Camille Agent <agent@mairie-exemple.fr>',
      'accueil@mairie-exemple.fr (en tant que)',
      'urbanisme@mairie-exemple.fr (de la part de)',
    ]);
    expect(identityChoices(ACCOUNT, [], translate).map((c) => c.label)).toEqual([ACCOUNT]);
  });

  it('maps a choice to from / on_behalf_of', () => {
    expect(senderFields(ACCOUNT, choices[0]!)).toEqual({ from: null, on_behalf_of: null });
    expect(senderFields(ACCOUNT, choices[1]!)).toEqual({ from: 'accueil@mairie-exemple.fr', on_behalf_of: null });
    expect(senderFields(ACCOUNT, choices[2]!)).toEqual({ from: null, on_behalf_of: 'urbanisme@mairie-exemple.fr' });
  });

  it('finds the identity of a prepared form, keeping an unknown one', () => {
    expect(choiceForDraft(choices, { on_behalf_of: 'urbanisme@mairie-exemple.fr' }, translate).choice).toBe(choices[2]);
    expect(choiceForDraft(choices, { from: 'accueil@mairie-exemple.fr' }, translate).choice).toBe(choices[1]);
    expect(choiceForDraft(choices, {}, translate).choice).toBe(choices[0]);
    const kept = choiceForDraft(choices, { from: 'etat-civil@mairie-exemple.fr' }, translate);
    expect(kept.choices).toHaveLength(4);
    expect(kept.choice?.label).toBe('etat-civil@mairie-exemple.fr (en tant que)');
  });

  it('defaults to the service of a shared mailbox, by address or local part', () => {
    expect(choiceForOwner(choices, 'accueil')).toBe(choices[1]);
    expect(choiceForOwner(choices, 'urbanisme@mairie-exemple.fr')).toBe(choices[2]);
    expect(choiceForOwner(choices, 'marie')).toBeNull();
    expect(choiceForOwner(choices, null)).toBeNull();
  });
});

describe('signature', () => {
  it('goes below the separator, above the quote, with room to write at the top', () => {
    expect(signatureBlock('Camille\n')).toBe('-- \nCamille');
    expect(signatureBlock('  ')).toBe('');
    expect(startText('', 'Camille')).toBe('\n\n-- \nCamille');
    expect(startText('', null)).toBe('');
    expect(startText('\nLe 3 mars, X a écrit :\n> Bonjour', 'Camille')).toBe(
      '\n\n-- \nCamille\n\nLe 3 mars, X a écrit :\n> Bonjour',
    );
  });

  it('is swapped when the identity changes, added or removed', () => {
    const quote = 'Le 3 mars, X a écrit :\n> Bonjour';
    const text = `Merci.\n\n-- \nCamille\n\n${quote}`;
    expect(swapSignature(text, 'Camille', 'Accueil')).toBe(`Merci.\n\n-- \nAccueil\n\n${quote}`);
    expect(swapSignature(text, 'Camille', null)).toBe(`Merci.\n\n${quote}`);
    expect(swapSignature(`Merci.\n\n${quote}`, null, 'Accueil', quote)).toBe(`Merci.\n\n-- \nAccueil\n\n${quote}`);
    expect(swapSignature('Merci.', null, 'Accueil')).toBe('Merci.\n\n-- \nAccueil');
    // The user rewrote the signature: it is left alone and the new one added.
    expect(swapSignature('Merci.\n-- \nCam', 'Camille', 'Accueil')).toBe('Merci.\n-- \nCam\n\n-- \nAccueil');
  });
});

describe('the form', () => {
  it('becomes the DraftInput the core takes', () => {
    const choices = identityChoices(ACCOUNT, IDENTITIES, translate);
    const draft = buildDraft(
      form({
        identity: choices[2]!,
        to: [...toRecipients([{ name: 'Jean', email: 'jean@exemple.fr' }]), { kind: 'invalid', text: 'x' }],
        cc: toRecipients([{ name: null, email: 'marie@exemple.fr' }]),
        subject: 'Re: Permis',
        text: 'Bonjour',
        files: ['/home/agent/plan.pdf'],
        carried: [
          { name: 'a.pdf', size: 1 },
          { name: 'b.pdf', size: 2 },
        ],
        removed: ['a.pdf'],
        answering: { folder: 'INBOX', uid: 4, kind: 'reply' },
        draftId: 'd1@calame',
      }),
    );
    expect(draft).toEqual({
      from: null,
      on_behalf_of: 'urbanisme@mairie-exemple.fr',
      to: [{ name: 'Jean', email: 'jean@exemple.fr' }],
      cc: [{ name: null, email: 'marie@exemple.fr' }],
      bcc: [],
      subject: 'Re: Permis',
      text: 'Bonjour',
      html: null,
      attachments: ['/home/agent/plan.pdf'],
      answering: { folder: 'INBOX', uid: 4, kind: 'reply' },
      draft_id: 'd1@calame',
      kept_attachments: ['b.pdf'],
    });
    expect(buildDraft(form({ carried: [{ name: 'a.pdf', size: 1 }] })).kept_attachments).toBeNull();
  });

  it('is dirty when something it would save changed, not when the draft id is set', () => {
    const start = form({ text: '\n\n-- \nCamille' });
    const baseline = formSnapshot(start);
    expect(isDirty(start, baseline)).toBe(false);
    expect(isDirty({ ...start, draftId: 'd1' }, baseline)).toBe(false);
    expect(isDirty({ ...start, subject: 'Objet' }, baseline)).toBe(true);
    expect(isDirty({ ...start, to: [{ kind: 'invalid', text: 'jean' }] }, baseline)).toBe(true);
    expect(isDirty({ ...start, removed: [] , files: ['/tmp/a'] }, baseline)).toBe(true);
  });

  it('finds a mention of an attachment in the new text only', () => {
    expect(mentionsAttachment('Veuillez trouver ci-joint le formulaire.')).toBe(true);
    expect(mentionsAttachment('Voir la pièce jointe.')).toBe(true);
    expect(mentionsAttachment('Les pieces jointes sont arrivées')).toBe(true);
    expect(mentionsAttachment('Bonjour,\n\n> voir la pièce jointe')).toBe(false);
    expect(mentionsAttachment('Bonjour\n-- \nPJ : aucune')).toBe(false);
    expect(mentionsAttachment('Rejoint la réunion')).toBe(false);
  });

  it('says what to check before sending', () => {
    expect(sendProblems(form())).toEqual(['noRecipient', 'noSubject']);
    const to = toRecipients([{ name: null, email: 'jean@exemple.fr' }]);
    expect(sendProblems(form({ to, subject: 'Objet', text: 'ci-joint le plan' }))).toEqual(['noAttachment']);
    expect(sendProblems(form({ to, subject: 'Objet', text: 'ci-joint le plan', files: ['/a/plan.pdf'] }))).toEqual([]);
    expect(sendProblems(form({ bcc: to, subject: 'Objet', to: [{ kind: 'invalid', text: 'jean' }] }))).toEqual(['invalid']);
  });

  it('names a file by the end of its path', () => {
    expect(fileName('/home/agent/Documents/plan cadastral.pdf')).toBe('plan cadastral.pdf');
    expect(fileName('C:\\Users\\agent\\arrêté.odt')).toBe('arrêté.odt');
  });
});

describe('outbox', () => {
  function item(message_id: string, state: OutboxItem['state'], queued_at: string): OutboxItem {
    return {
      message_id,
      account: ACCOUNT,
      subject: message_id,
      to: ['jean@exemple.fr'],
      envelope_from: ACCOUNT,
      state,
      attempts: 0,
      last_error: null,
      queued_at,
      next_attempt: null,
      sent_folder: null,
      filed_in: null,
    };
  }

  it('groups what needs the user first, then what is on its way, then what is done', () => {
    const items = [
      item('filed', 'filed', '2027-03-15T09:00:00Z'),
      item('queued-late', 'queued', '2027-03-15T10:00:00Z'),
      item('failed', 'failed', '2027-03-15T11:00:00Z'),
      item('queued-early', 'queued', '2027-03-15T08:00:00Z'),
      item('unconfirmed', 'unconfirmed', '2027-03-15T07:00:00Z'),
      item('accepted', 'accepted', '2027-03-15T09:30:00Z'),
    ];
    expect(groupOutbox(items).map((g) => [g.kind, g.items.map((i) => i.message_id)])).toEqual([
      ['stopped', ['unconfirmed', 'failed']],
      ['waiting', ['queued-early', 'accepted', 'queued-late']],
      ['done', ['filed']],
    ]);
    expect(pendingCount(items)).toBe(5);
    expect(groupOutbox([])).toEqual([]);
  });

  it('knows which states the user must act on', () => {
    expect(isStopped('failed')).toBe(true);
    expect(isStopped('unconfirmed')).toBe(true);
    expect(isStopped('queued')).toBe(false);
    expect(isStopped('filed')).toBe(false);
  });
});
