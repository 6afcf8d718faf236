/**
 * The type of an upload from its first bytes (spec §4.4: sniffed from content, never from the declared header).
 * OOXML files are zip archives whose entries name their kind (word/, xl/, ppt/).
 */
const OOXML = 'application/vnd.openxmlformats-officedocument.';

export function sniffMime(bytes: Buffer): string | null {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    const text = bytes.toString('latin1');
    if (!text.includes('[Content_Types].xml')) return 'application/zip';
    if (text.includes('word/')) return `${OOXML}wordprocessingml.document`;
    if (text.includes('xl/')) return `${OOXML}spreadsheetml.sheet`;
    if (text.includes('ppt/')) return `${OOXML}presentationml.presentation`;
    return 'application/zip';
  }
  return null;
}

export const isAllowedMime = (mime: string | null): mime is string =>
  mime !== null && (['application/pdf', 'image/png', 'image/jpeg'].includes(mime) || mime.startsWith(OOXML));

/** RFC 6266 / RFC 5987 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** A file name as stored: its last path segment, control characters removed, ≤ 255 characters. */
export function cleanFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const clean = base.replace(/[\x00-\x1f\x7f]/g, '').trim().slice(0, 255);
  return clean || 'file';
}
