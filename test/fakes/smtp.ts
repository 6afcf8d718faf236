import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { Script } from './http.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  user?: string;
}

const bytes = (text: string) => Buffer.from(text.replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');

/** The Subject header, decoded (RFC 2047 encoded words, Q or B). */
export function subjectOf(mail: ReceivedMail): string {
  const head = mail.raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => /^subject:/i.test(l)) ?? '';
  return line.replace(/^subject:\s*/i, '').replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_m, _charset, enc: string, text: string) =>
    (enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : bytes(text.replace(/_/g, ' '))).toString('utf8'));
}

/** The text body, decoded from quoted-printable when so sent. */
export function textOf(mail: ReceivedMail): string {
  const [head, ...rest] = mail.raw.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  return /content-transfer-encoding:\s*quoted-printable/i.test(head) ? bytes(body.replace(/=\r?\n/g, '')).toString('utf8') : body;
}

/** A scripted SMTP reply, e.g. `{ stage: 'rcpt', code: 550, message: 'No such user' }`. */
export interface SmtpFailure { stage: 'rcpt' | 'data'; code: number; message: string }

/** A real SMTP server (smtp-server) on 127.0.0.1 that keeps what it receives; AUTH PLAIN/LOGIN without TLS. */
export class FakeSmtpServer {
  readonly received: ReceivedMail[] = [];
  readonly failures = new Script<SmtpFailure>();
  private server?: SMTPServer;
  port = 0;

  constructor(private readonly credentials = { user: 'mailer', pass: 'mail-secret' }) {}

  get url(): string {
    return `smtp://${this.credentials.user}:${this.credentials.pass}@127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    let pending: SmtpFailure | undefined;
    const fail = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });
    this.server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authOptional: false,
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (auth.username === this.credentials.user && auth.password === this.credentials.pass) callback(null, { user: auth.username });
        else callback(fail(535, 'Authentication credentials invalid'));
      },
      onRcptTo: (_address, _session, callback) => {
        pending = this.failures.next();
        if (pending?.stage === 'rcpt') callback(fail(pending.code, pending.message));
        else callback();
      },
      onData: (stream, session: SMTPServerSession, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (pending?.stage === 'data') {
            callback(fail(pending.code, pending.message));
            return;
          }
          this.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
            user: session.user as string | undefined,
          });
          callback(null);
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
