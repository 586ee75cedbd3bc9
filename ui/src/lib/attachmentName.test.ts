import { describe, expect, it } from 'vitest';
import { attachmentFileName, extensionFor } from './attachmentName';

describe('attachmentName', () => {
  it('keeps the attachment’s own name', () => {
    expect(attachmentFileName('arrêté 2027-04.pdf', 'application/pdf', 'piece-jointe')).toBe('arrêté 2027-04.pdf');
  });

  it('makes one from the type for an unnamed attachment', () => {
    expect(attachmentFileName(null, 'application/pdf', 'piece-jointe')).toBe('piece-jointe.pdf');
    expect(attachmentFileName('  ', 'text/calendar', 'piece-jointe')).toBe('piece-jointe.ics');
    expect(attachmentFileName(null, 'application/vnd.oasis.opendocument.text', 'piece-jointe')).toBe('piece-jointe.odt');
    expect(attachmentFileName(null, 'image/heic', 'piece-jointe')).toBe('piece-jointe.heic');
    expect(attachmentFileName(null, 'application/x-something-long', 'piece-jointe')).toBe('piece-jointe');
  });

  it('knows the usual extensions', () => {
    expect(extensionFor('IMAGE/JPEG')).toBe('jpg');
    expect(extensionFor('message/rfc822')).toBe('eml');
    expect(extensionFor('nonsense')).toBeNull();
  });
});
