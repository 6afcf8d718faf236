import { inflateSync } from 'node:zlib';

/**
 * The text drawn in a pdfkit PDF (standard fonts: hex strings in TJ arrays), for tests: inflates the content
 * streams and joins the strings of each text operation. Not a general PDF parser.
 */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const parts: string[] = [];
  const streams = /stream\r?\n([\s\S]*?)\r?\nendstream/g;
  for (let m = streams.exec(raw); m; m = streams.exec(raw)) {
    let content = m[1];
    try { content = inflateSync(Buffer.from(m[1], 'latin1')).toString('latin1'); } catch { /* not compressed */ }
    const ops = /\[((?:<[0-9a-fA-F]*>|[^\]])*)\]\s*TJ/g;
    for (let op = ops.exec(content); op; op = ops.exec(content)) {
      const text = [...op[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1], 'hex').toString('latin1')).join('');
      parts.push(text);
    }
  }
  return parts.join(' ').replace(/\u0096/g, '–');
}
