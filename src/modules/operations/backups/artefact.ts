/**
 * The `ATRBKUP1` artefact (spec operations.md §5.4): magic, header length, header JSON, then AES-256-GCM chunks in
 * the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015): nonce = 7-byte prefix ‖ uint32 BE index ‖ final
 * flag, so truncation, reordering and a dropped final chunk fail authentication.
 *
 * The chunk AAD is the SHA-256 of the header's invariant part (v, alg, chunkSize, noncePrefix, backupId, createdAt):
 * rewrap (§5.4) replaces `keyId` and `wrappedDek` without touching data chunks, and a tampered `keyId`/`wrappedDek`
 * fails when the DEK is unwrapped (its GCM tag, AAD bound to the backup id).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BackupError } from './errors.js';

export const MAGIC = Buffer.from('ATRBKUP1', 'ascii');
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
const TAG = 16;

export interface ArtefactHeader {
  v: 1;
  alg: 'AES-256-GCM-STREAM';
  chunkSize: number;
  keyId: string;
  wrappedDek: string;
  noncePrefix: string;
  backupId: string;
  createdAt: string;
}

export type KeyLookup = (keyId: string) => Buffer | undefined;

const dekAad = (backupId: string) => Buffer.from(`atrium-backup-dek|${backupId}`, 'utf8');

export function wrapDek(kek: Buffer, dek: Buffer, backupId: string): string {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', kek, nonce);
  c.setAAD(dekAad(backupId));
  const body = Buffer.concat([c.update(dek), c.final()]);
  return Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64');
}

export function unwrapDek(kek: Buffer, wrapped: string, backupId: string): Buffer {
  const raw = Buffer.from(wrapped, 'base64');
  if (raw.length !== 12 + 32 + TAG) throw new BackupError('decrypt_failed', 'The wrapped data key has the wrong length.');
  try {
    const d = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12));
    d.setAAD(dekAad(backupId));
    d.setAuthTag(raw.subarray(12 + 32));
    return Buffer.concat([d.update(raw.subarray(12, 12 + 32)), d.final()]);
  } catch {
    throw new BackupError('decrypt_failed', 'The data key does not unwrap with this key (wrong key or tampered header).');
  }
}

export function chunkAad(h: ArtefactHeader): Buffer {
  const invariant = { v: h.v, alg: h.alg, chunkSize: h.chunkSize, noncePrefix: h.noncePrefix, backupId: h.backupId, createdAt: h.createdAt };
  return createHash('sha256').update(JSON.stringify(invariant)).digest();
}

function nonce(prefix: Buffer, index: number, final: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, 7);
  n[11] = final ? 1 : 0;
  return n;
}

export function encodeHeader(h: ArtefactHeader): Buffer {
  const json = Buffer.from(JSON.stringify(h), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return Buffer.concat([MAGIC, len, json]);
}

/** Parses the header from the first bytes of an artefact; `undefined` when more bytes are needed. */
export function parseHeader(buf: Buffer): { header: ArtefactHeader; length: number } | undefined {
  if (buf.length < 12) {
    if (!MAGIC.subarray(0, buf.length).equals(buf.subarray(0, MAGIC.length))) throw new BackupError('bad_magic', 'Not an Atrium backup artefact.');
    return undefined;
  }
  if (!buf.subarray(0, 8).equals(MAGIC)) throw new BackupError('bad_magic', 'Not an Atrium backup artefact.');
  const len = buf.readUInt32BE(8);
  if (len > 64 * 1024) throw new BackupError('bad_header', 'Header too long.');
  if (buf.length < 12 + len) return undefined;
  let header: ArtefactHeader;
  try {
    header = JSON.parse(buf.subarray(12, 12 + len).toString('utf8')) as ArtefactHeader;
  } catch {
    throw new BackupError('bad_header', 'The artefact header is not JSON.');
  }
  if (header.v !== 1 || header.alg !== 'AES-256-GCM-STREAM' || !Number.isInteger(header.chunkSize) || header.chunkSize < 1024
    || typeof header.keyId !== 'string' || typeof header.wrappedDek !== 'string' || typeof header.backupId !== 'string'
    || Buffer.from(header.noncePrefix ?? '', 'base64').length !== 7) {
    throw new BackupError('bad_header', 'Unsupported or malformed artefact header.');
  }
  return { header, length: 12 + len };
}

/** Encrypting transform: plaintext in, the whole artefact (header then chunks) out. */
export class EncryptStream extends Transform {
  readonly header: ArtefactHeader;
  private readonly dek = randomBytes(32);
  private readonly prefix = randomBytes(7);
  private readonly aad: Buffer;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private index = 0;
  private headerSent = false;

  constructor(o: { kek: Buffer; keyId: string; backupId: string; createdAt?: Date; chunkSize?: number }) {
    super();
    this.header = {
      v: 1, alg: 'AES-256-GCM-STREAM', chunkSize: o.chunkSize ?? DEFAULT_CHUNK_SIZE, keyId: o.keyId,
      wrappedDek: wrapDek(o.kek, this.dek, o.backupId), noncePrefix: this.prefix.toString('base64'),
      backupId: o.backupId, createdAt: (o.createdAt ?? new Date()).toISOString(),
    };
    this.aad = chunkAad(this.header);
  }

  private seal(plain: Buffer, final: boolean): Buffer {
    const c = createCipheriv('aes-256-gcm', this.dek, nonce(this.prefix, this.index++, final));
    c.setAAD(this.aad);
    return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  }

  private sendHeader() {
    if (!this.headerSent) {
      this.headerSent = true;
      this.push(encodeHeader(this.header));
    }
  }

  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    this.sendHeader();
    const size = this.header.chunkSize;
    let offset = 0;
    while (offset < data.length) {
      const take = Math.min(size - this.pendingLength, data.length - offset);
      this.pending.push(data.subarray(offset, offset + take));
      this.pendingLength += take;
      offset += take;
      if (this.pendingLength === size) {
        this.push(this.seal(Buffer.concat(this.pending, size), false));
        this.pending = [];
        this.pendingLength = 0;
      }
    }
    cb();
  }

  override _flush(cb: TransformCallback) {
    this.sendHeader();
    this.push(this.seal(Buffer.concat(this.pending, this.pendingLength), true));
    cb();
  }
}

/** Decrypting transform: the artefact in, plaintext out; fails with `bad_magic`, `key_unavailable`, `decrypt_failed` or `truncated`. */
export class DecryptStream extends Transform {
  header?: ArtefactHeader;
  private buf: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];
  private partsLength = 0;
  private dek?: Buffer;
  private prefix?: Buffer;
  private aad?: Buffer;
  private index = 0;

  constructor(private readonly keys: KeyLookup, private readonly onHeader?: (h: ArtefactHeader) => void) {
    super();
  }

  private open(cipher: Buffer, final: boolean): Buffer {
    const d = createDecipheriv('aes-256-gcm', this.dek!, nonce(this.prefix!, this.index, final));
    d.setAAD(this.aad!);
    d.setAuthTag(cipher.subarray(cipher.length - TAG));
    return Buffer.concat([d.update(cipher.subarray(0, cipher.length - TAG)), d.final()]);
  }

  private step(final: boolean): void {
    if (!this.header) {
      const parsed = parseHeader(this.buf);
      if (!parsed) {
        if (final) throw new BackupError('truncated', 'The artefact ends inside its header.');
        return;
      }
      const h = parsed.header;
      const kek = this.keys(h.keyId);
      if (!kek) throw new BackupError('key_unavailable', `Backup key "${h.keyId}" is not loadable (ATRIUM_BACKUP_KEYS).`);
      this.dek = unwrapDek(kek, h.wrappedDek, h.backupId);
      this.prefix = Buffer.from(h.noncePrefix, 'base64');
      this.aad = chunkAad(h);
      this.header = h;
      this.buf = this.buf.subarray(parsed.length);
      this.onHeader?.(h);
    }
    const full = this.header.chunkSize + TAG;
    while (this.buf.length > full) {
      let plain: Buffer;
      try {
        plain = this.open(this.buf.subarray(0, full), false);
      } catch {
        throw new BackupError('decrypt_failed', `Chunk ${this.index} fails authentication (tampered, reordered or wrong key).`);
      }
      this.index++;
      this.buf = this.buf.subarray(full);
      this.push(plain);
    }
    if (!final) return;
    if (this.buf.length < TAG) throw new BackupError('truncated', 'The artefact has no final chunk.');
    try {
      this.push(this.open(this.buf, true));
    } catch {
      let asMiddle = false;
      try {
        this.open(this.buf, false);
        asMiddle = true;
      } catch { /* a bad chunk, not a missing one */ }
      if (asMiddle) throw new BackupError('truncated', 'The artefact is missing its final chunk.');
      throw new BackupError('decrypt_failed', `Final chunk ${this.index} fails authentication.`);
    }
    this.buf = Buffer.alloc(0);
  }

  private gather() {
    if (this.parts.length) {
      this.buf = Buffer.concat([this.buf, ...this.parts]);
      this.parts = [];
      this.partsLength = 0;
    }
  }

  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    this.parts.push(data);
    this.partsLength += data.length;
    // Copy bytes together only once a whole chunk (or the header) can be read.
    if (this.header && this.buf.length + this.partsLength <= this.header.chunkSize + TAG) return cb();
    this.gather();
    try {
      this.step(false);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback) {
    this.gather();
    try {
      this.step(true);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }
}

/** A new header for the same data chunks with the data key wrapped under another key (rewrap, §5.4). */
export function rewrapHeader(h: ArtefactHeader, from: Buffer, to: { keyId: string; kek: Buffer }): ArtefactHeader {
  const dek = unwrapDek(from, h.wrappedDek, h.backupId);
  return { ...h, keyId: to.keyId, wrappedDek: wrapDek(to.kek, dek, h.backupId) };
}
