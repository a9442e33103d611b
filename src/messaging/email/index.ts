import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { MessagingChannel, MessagingCredentials, MessagingRecipient, MessagingResult } from '../types.js';

/** A mailbox as RFC 5321 allows in practice: local@domain, no spaces, at most 254 characters. */
const ADDRESS = /^[^\s@<>(),;:"]{1,64}@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
const MAX_FILES = 10;
const MAX_SUBJECT = 998;

/** An attachment's bytes, when its URL names something this server keeps (an uploaded material). */
export type AttachmentResolver = (url: string) => Promise<{ filename: string; contentType: string; content: Buffer } | undefined>;

export interface EmailChannelOptions {
  /** An SMTP server must answer each command within this many ms. */
  timeoutMs: number;
  /** Connections kept open to one SMTP server. */
  maxConnections: number;
  attachments?: AttachmentResolver;
}

interface SmtpCredentials {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  pass?: string;
  from: string;
  /** Accept a server certificate no authority signed (a test or internal server). */
  allowSelfSigned: boolean;
}

function readCredentials(raw: Readonly<Record<string, unknown>>): SmtpCredentials | string {
  if (typeof raw.host !== 'string' || !/^[A-Za-z0-9.:[\]-]{1,253}$/.test(raw.host)) return 'host must be a host name or address';
  const port = raw.port ?? 587;
  if (!Number.isSafeInteger(port) || (port as number) < 1 || (port as number) > 65535) return 'port must be 1..65535';
  if (typeof raw.from !== 'string' || !ADDRESS.test(raw.from.replace(/^.*<(.+)>\s*$/, '$1'))) return 'from must be an email address';
  if (raw.user !== undefined && (typeof raw.user !== 'string' || raw.user.length > 256)) return 'user must be a string';
  if (raw.pass !== undefined && (typeof raw.pass !== 'string' || raw.pass.length > 1024)) return 'pass must be a string';
  if ((raw.user === undefined) !== (raw.pass === undefined)) return 'user and pass go together';
  return {
    host: raw.host,
    port: port as number,
    secure: raw.secure === true,
    user: raw.user as string | undefined,
    pass: raw.pass as string | undefined,
    from: raw.from,
    allowSelfSigned: raw.allowSelfSigned === true,
  };
}

/** How an SMTP failure reads for UMS: a refused mailbox, a temporary failure, or a refusal. */
function classify(err: unknown): MessagingResult {
  const e = err as { responseCode?: number; code?: string; message?: string };
  const reason = String(e.message ?? err).slice(0, 200);
  const status = e.responseCode;
  if (status !== undefined && status >= 500) {
    // 550/551/553: the mailbox does not exist or its name is not allowed
    if (e.code === 'EENVELOPE' && [550, 551, 553].includes(status)) return { kind: 'invalidTarget', reason };
    return { kind: 'failed', reason, code: String(status), retry: false };
  }
  return { kind: 'failed', reason, code: status !== undefined ? String(status) : e.code, retry: true };
}

/**
 * `msg_email` over SMTP (nodemailer): `subject`, `text` as the HTML body (with a plain-text
 * alternative), `files` as attachments (uploaded materials from the store, other http(s) URLs
 * fetched by the mail library). One message per recipient, so each gets its own result and
 * nobody sees the others' addresses. Transports are pooled per credential set.
 */
export class EmailMessagingChannel implements MessagingChannel {
  readonly id = 'email' as const;
  readonly maxBatch = 50;
  private readonly transports = new Map<string, Transporter>();

  constructor(private readonly options: EmailChannelOptions) {}

  validate(m: Readonly<Record<string, unknown>>): string | undefined {
    if (typeof m.subject !== 'string' || m.subject === '' || m.subject.length > MAX_SUBJECT) return `msg_email.subject must be a string of 1..${MAX_SUBJECT} characters`;
    if (typeof m.text !== 'string' || m.text === '') return 'msg_email.text must be a non-empty string';
    if (m.files !== undefined) {
      if (!Array.isArray(m.files) || m.files.length > MAX_FILES) return `msg_email.files must be an array of at most ${MAX_FILES} URLs`;
      for (const f of m.files) if (typeof f !== 'string' || !/^https?:\/\/[^/\s]+\S*$/.test(f) || f.length > 2048) return 'msg_email.files must hold http(s) URLs';
    }
    return undefined;
  }

  checkCredentials(raw: Readonly<Record<string, unknown>>): string | undefined {
    const c = readCredentials(raw);
    return typeof c === 'string' ? c : undefined;
  }

  async send(m: Readonly<Record<string, unknown>>, recipients: readonly MessagingRecipient[], credentials: MessagingCredentials): Promise<MessagingResult[]> {
    const creds = readCredentials(credentials);
    if (typeof creds === 'string') return recipients.map(() => ({ kind: 'failed', reason: `email credentials unusable: ${creds}`, retry: false }));
    let attachments: { filename?: string; contentType?: string; content?: Buffer; path?: string }[];
    try {
      attachments = await this.attachmentsOf(m.files);
    } catch (err) {
      return recipients.map(() => ({ kind: 'failed', reason: `attachment: ${(err as Error).message}`.slice(0, 200), retry: false }));
    }
    const transport = this.transportFor(creds);
    const html = m.text as string;
    return Promise.all(
      recipients.map(async (r): Promise<MessagingResult> => {
        if (!ADDRESS.test(r.address) || r.address.length > 254) return { kind: 'invalidTarget', reason: 'not an email address' };
        try {
          const info = await transport.sendMail({
            from: creds.from,
            to: r.address,
            subject: m.subject as string,
            html,
            text: htmlToText(html),
            attachments,
          });
          if ((info.rejected ?? []).length > 0) return { kind: 'invalidTarget', reason: String(info.response ?? 'recipient rejected').slice(0, 200) };
          return { kind: 'submitted', vendorMessageId: info.messageId };
        } catch (err) {
          return classify(err);
        }
      }),
    );
  }

  private async attachmentsOf(files: unknown) {
    if (!Array.isArray(files)) return [];
    const out = [];
    for (const url of files as string[]) {
      const own = await this.options.attachments?.(url);
      if (own) out.push({ filename: own.filename, contentType: own.contentType, content: own.content });
      else out.push({ path: url, filename: decodeURIComponent(new URL(url).pathname.split('/').pop() || 'attachment') });
    }
    return out;
  }

  private transportFor(c: SmtpCredentials): Transporter {
    const id = createHash('sha256').update(JSON.stringify(c)).digest('hex');
    let t = this.transports.get(id);
    if (!t) {
      t = nodemailer.createTransport({
        pool: true,
        maxConnections: this.options.maxConnections,
        host: c.host,
        port: c.port,
        secure: c.secure,
        auth: c.user !== undefined ? { user: c.user, pass: c.pass } : undefined,
        connectionTimeout: this.options.timeoutMs,
        greetingTimeout: this.options.timeoutMs,
        socketTimeout: this.options.timeoutMs,
        tls: c.allowSelfSigned ? { rejectUnauthorized: false } : undefined,
      });
      this.transports.set(id, t);
    }
    return t;
  }

  async close(): Promise<void> {
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
  }
}

/** A plain-text alternative of an HTML body: tags dropped, common entities decoded. */
function htmlToText(html: string): string {
  return html
    .replace(/<(br|\/p|\/div|\/li)\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}
