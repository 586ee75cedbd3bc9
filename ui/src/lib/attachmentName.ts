// The file name proposed when saving an attachment: its own name, else one made from its MIME
// type (`piece-jointe.pdf`), so that the save dialog never opens on an empty field and the file
// keeps an extension the system can open it with.

/** Extensions of the types a town hall receives most; other types use their subtype when it
 * looks like an extension. */
const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'application/zip': 'zip',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.ms-powerpoint': 'ppt',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'application/vnd.oasis.opendocument.text': 'odt',
  'application/vnd.oasis.opendocument.spreadsheet': 'ods',
  'application/vnd.oasis.opendocument.presentation': 'odp',
  'application/rtf': 'rtf',
  'application/json': 'json',
  'application/xml': 'xml',
  'application/octet-stream': 'bin',
  'message/rfc822': 'eml',
  'text/plain': 'txt',
  'text/html': 'html',
  'text/calendar': 'ics',
  'text/vcard': 'vcf',
  'text/csv': 'csv',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
  'audio/mpeg': 'mp3',
  'video/mp4': 'mp4',
};

/** The extension for a MIME type (`application/pdf` → `pdf`), or null when none is sensible. */
export function extensionFor(mime: string): string | null {
  const type = mime.trim().toLowerCase();
  const known = EXTENSIONS[type];
  if (known) return known;
  const subtype = type.split('/')[1] ?? '';
  return /^[a-z0-9]{1,5}$/.test(subtype) ? subtype : null;
}

/** The name to propose: the attachment's own when it has one, else `base` with the type's
 * extension. */
export function attachmentFileName(name: string | null, mime: string, base: string): string {
  const own = name?.trim();
  if (own) return own;
  const extension = extensionFor(mime);
  return extension ? `${base}.${extension}` : base;
}
