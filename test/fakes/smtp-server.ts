import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message the local SMTP server accepted, parsed. */
export interface ReceivedMail {
  from: string;
  to: string[];
  parsed: ParsedMail;
  at: number;
}

/**
 * A local SMTP server (smtp-server) that accepts mail for any mailbox but those it was told
 * to refuse (550 at RCPT TO), optionally requires AUTH PLAIN/LOGIN, and parses every message
 * it takes (mailparser).
 */
export class FakeSmtpServer {
  private constructor(
    private readonly server: SMTPServer,
    readonly mails: ReceivedMail[],
    readonly refused: Set<string>,
  ) {}

  static async start(auth?: { user: string; pass: string }): Promise<FakeSmtpServer> {
    const mails: ReceivedMail[] = [];
    const refused = new Set<string>();
    const server = new SMTPServer({
      secure: false,
      disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !auth,
      allowInsecureAuth: true,
      logger: false,
      size: 20 * 1024 * 1024,
      onAuth(a, _session, cb) {
        if (auth && a.username === auth.user && a.password === auth.pass) return cb(null, { user: a.username });
        return cb(new Error('Invalid username or password'));
      },
      onRcptTo(address, _session, cb) {
        if (refused.has(address.address)) {
          const err = new Error('Mailbox unavailable') as Error & { responseCode: number };
          err.responseCode = 550;
          return cb(err);
        }
        cb();
      },
      onData(stream, session, cb) {
        simpleParser(stream)
          .then((parsed) => {
            mails.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              parsed,
              at: Date.now(),
            });
            cb();
          })
          .catch((err: Error) => cb(err));
      },
    });
    const fake = new FakeSmtpServer(server, mails, refused);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return ((this.server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
