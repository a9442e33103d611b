import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the Huawei-family fakes (HMS Push Kit, HarmonyOS Push Kit, Honor) share: a loopback
 * server that hands each request with its whole body to the fake, JSON answers, and the
 * OAuth2 client-credentials token endpoint of HMS and Honor with expiry on demand.
 */

export interface RawRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export class LoopbackServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(handle: (req: RawRequest, res: ServerResponse) => void | Promise<void>): Promise<LoopbackServer> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void handle({ method: req.method ?? 'GET', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new LoopbackServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
}

/** How a vendor's token endpoint words its refusals and its tokens. */
export interface IssuerStyle {
  /** Answer to a grant type other than client_credentials. */
  unsupportedGrant: unknown;
  /** Status and body for an unknown client or a wrong secret. */
  refused: { status: number; body: unknown };
  newToken(): string;
}

export interface Grant {
  appId: string;
  expiresAt: number;
}

/** The OAuth2 client-credentials grant: form POST of id and secret, a bearer with a lifetime. */
export class ClientCredentialsIssuer {
  readonly requests: { clientId: string }[] = [];
  /** Lifetime of issued access tokens, seconds. */
  lifetime = 3600;
  private readonly clients = new Map<string, { secret: string; appId: string }>();
  private readonly grants = new Map<string, Grant>();

  constructor(private readonly style: IssuerStyle) {}

  /** Registers a client; its tokens are good for `appId`. */
  addClient(clientId: string, secret: string, appId: string): void {
    this.clients.set(clientId, { secret, appId });
  }

  /** Answers a token request (the form body as sent). */
  issue(form: string, res: ServerResponse): void {
    const params = new URLSearchParams(form);
    if (params.get('grant_type') !== 'client_credentials') return json(res, 400, this.style.unsupportedGrant);
    const clientId = params.get('client_id') ?? '';
    const client = this.clients.get(clientId);
    if (!client || client.secret !== params.get('client_secret')) return json(res, this.style.refused.status, this.style.refused.body);
    this.requests.push({ clientId });
    const accessToken = this.style.newToken();
    this.grants.set(accessToken, { appId: client.appId, expiresAt: Date.now() + this.lifetime * 1000 });
    json(res, 200, { access_token: accessToken, expires_in: this.lifetime, token_type: 'Bearer' });
  }

  /** The grant behind an `authorization: Bearer` header, if it is one this issuer gave. */
  grantOf(headers: IncomingHttpHeaders): Grant | undefined {
    const bearer = /^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1];
    return bearer ? this.grants.get(bearer) : undefined;
  }

  /** Every token issued so far is expired from now on. */
  expireAll(): void {
    for (const grant of this.grants.values()) grant.expiresAt = 0;
  }
}

/** A fake on a LoopbackServer: `listen` starts it with the fake's own request handler. */
export abstract class LoopbackFake {
  private server: LoopbackServer | undefined;

  protected async listen(): Promise<void> {
    this.server = await LoopbackServer.start((req, res) => this.handle(req, res));
  }

  protected abstract handle(req: RawRequest, res: ServerResponse): void | Promise<void>;

  get url(): string {
    return this.server!.url;
  }

  close(): Promise<void> {
    return this.server!.close();
  }
}

/** A fake of a vendor that issues OAuth2 client-credentials tokens (HMS, Honor). */
export abstract class ClientCredentialsFake extends LoopbackFake {
  protected abstract readonly issuer: ClientCredentialsIssuer;

  /** Token requests answered with a token. */
  get tokenRequests(): { clientId: string }[] {
    return this.issuer.requests;
  }

  /** Lifetime of issued access tokens, seconds. */
  get tokenLifetime(): number {
    return this.issuer.lifetime;
  }

  set tokenLifetime(seconds: number) {
    this.issuer.lifetime = seconds;
  }

  /** Expires every access token issued so far (the vendor then answers "token expired"). */
  expireAccessTokens(): void {
    this.issuer.expireAll();
  }
}
