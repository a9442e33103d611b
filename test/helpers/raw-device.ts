import { WebSocket } from 'ws';

/**
 * A bare device connection with no SDK in between (the SDK drops repeats, these tests count
 * them): records every push frame, acknowledges it at once, and reconnects when dropped.
 */
export class RawDevice {
  /** msg_ids of the push frames received, repeats included. */
  frames: string[] = [];
  /** When each of those frames arrived. */
  arrivals: number[] = [];
  private ws: WebSocket | null = null;
  private closed = false;

  constructor(
    private readonly url: () => string,
    readonly registrationId: string,
    private readonly secret: string,
    /** How long to wait before reconnecting, in ms. */
    private readonly reconnectMs: () => number = () => 200 + Math.random() * 800,
  ) {}

  /** Resolves once authenticated, or once the attempt failed (it retries by itself). */
  connect(): Promise<void> {
    return new Promise((resolve) => {
      const ws = new WebSocket(this.url().replace(/^http/, 'ws') + '/v1/gateway');
      this.ws = ws;
      ws.on('open', () => ws.send(JSON.stringify({ t: 'auth', v: 1, registration_id: this.registrationId, device_secret: this.secret })));
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { t: string; msg_id?: string };
        if (frame.t === 'ready') resolve();
        else if (frame.t === 'push' && frame.msg_id) {
          this.frames.push(frame.msg_id);
          this.arrivals.push(Date.now());
          ws.send(JSON.stringify({ t: 'ack', msg_ids: [frame.msg_id] }));
        }
      });
      ws.on('error', () => {});
      ws.on('close', () => {
        resolve();
        if (!this.closed) setTimeout(() => void this.connect(), this.reconnectMs());
      });
    });
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }
}
