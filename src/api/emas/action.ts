import type { ServerContext } from '../../context.js';
import type { EmasCaller } from './auth.js';
import type { Params } from './params.js';
import type { NonceTicket } from './nonce-ticket.js';
import type { EmasPushService } from './push-service.js';

/** What an action handler gets: the node, the authenticated caller and the request's parameters. */
export interface ActionContext {
  ctx: ServerContext;
  caller: EmasCaller;
  p: Params;
  pushes: EmasPushService;
  /** The request's SignatureNonce: used up before the action acts, or carried by its push (see NonceTicket). */
  nonce: NonceTicket;
}

/** An action answers its fields; RequestId is added by the plugin. */
export type ActionHandler = (a: ActionContext) => Promise<Record<string, unknown>>;
