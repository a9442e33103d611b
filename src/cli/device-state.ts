import { readFileSync } from 'node:fs';
import { normalizeState, writeJsonFile, type ClientState } from '../../sdk/src/node.js';
import { UsageError } from './args.js';

/** Received msg_ids change with every push: their saves are grouped, at most one per this. */
const SEEN_SAVE_DELAY_MS = 200;

/**
 * The state file of `borealis device --state FILE`: a JSON array of SDK states, one per device.
 * It is rewritten (atomically) whenever a device's state changes: at once when a device gets
 * its credentials, so a process killed right after still comes back as the same devices, and
 * within 200 ms when only its received msg_ids change.
 */
export class DeviceStateFile {
  private readonly states: (ClientState | undefined)[];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    initial: ClientState[],
  ) {
    this.states = [...initial];
  }

  /** Reads FILE; a missing file means no devices saved yet. */
  static load(path: string): DeviceStateFile {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new DeviceStateFile(path, []);
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError(`${path} is not JSON`);
    }
    if (!Array.isArray(parsed)) throw new UsageError(`${path} must hold a JSON array of device states`);
    return new DeviceStateFile(path, parsed.map(normalizeState));
  }

  saved(index: number): ClientState | undefined {
    return this.states[index];
  }

  /** Device `index` has a new state. */
  update(index: number, state: ClientState): void {
    const before = this.states[index];
    this.states[index] = { ...state, seen: [...state.seen] };
    const newCredentials = before?.registrationId !== state.registrationId || before?.deviceSecret !== state.deviceSecret;
    if (newCredentials) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), SEEN_SAVE_DELAY_MS);
  }

  /** Writes the file now (only devices that have credentials). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    writeJsonFile(
      this.path,
      this.states.filter((s): s is ClientState => s !== undefined && s.registrationId !== null),
    );
  }
}
