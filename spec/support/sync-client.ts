import { X509Certificate } from 'node:crypto';
import { Subject, type Subscription, switchMap } from 'rxjs';
import type { Message } from '../../lib/protocol/messages.js';
import { type Replica, applyDeltaMessage, applyFullState, emptyReplica } from '../../lib/world/replica.js';
import { hashWorld } from '../../lib/world/world.js';
import type { ChannelEvent } from '../../streams/session/channel.js';
import { clientSession } from '../../streams/session/session.js';
import type { SessionSettings } from '../../streams/session/settings.js';
import { connectWebSocket } from '../../streams/session/ws-duplex.js';

/**
 * A minimal syncing client for host specs: rebuilds the world from full states and deltas, acknowledges
 * ticks, checks every hash the host sends, and asks for a full state on a desync. (The real client, with
 * prediction and failover, is the client issue's.)
 */
export class SyncClient {
  replica: Replica = emptyReplica(64);
  readonly verified = new Map<number, string>();
  readonly desyncs: string[] = [];
  readonly checkpoints: Extract<Message, { kind: 'checkpoint' }>[] = [];
  deltas = 0;
  error: { code?: string } | undefined;
  paused = false;
  private seq = 0;
  private readonly outbox = new Subject<Message>();
  private readonly subscription: Subscription;

  constructor(url: string, hostId: string, ticket: string, caPem: string, settings: SessionSettings) {
    this.subscription = connectWebSocket(url)
      .pipe(
        switchMap((duplex) =>
          clientSession(duplex, {
            settings,
            ticket,
            hostId,
            ca: new X509Certificate(caPem),
            outbox$: this.outbox,
          }),
        ),
      )
      .subscribe({
        next: (event) => this.onEvent(event),
        error: (e: unknown) => (this.error = e as { code?: string }),
      });
  }

  private onEvent(event: ChannelEvent): void {
    if (event.type !== 'message' || this.paused) return;
    const message = event.message;
    if (message.kind === 'full_state') {
      this.replica = applyFullState(this.replica, message);
      this.outbox.next({ kind: 'ack', tick: message.tick });
    } else if (message.kind === 'delta') {
      this.deltas += 1;
      const { replica, outcome } = applyDeltaMessage(this.replica, message);
      if (outcome.kind === 'desync') {
        this.desyncs.push(outcome.reason);
        this.outbox.next({ kind: 'resync_request', reason: 'DESYNC', tick: message.tick });
        return;
      }
      this.replica = replica;
      if (message.hash !== null) this.verified.set(message.tick, message.hash);
      this.outbox.next({ kind: 'ack', tick: message.tick });
    } else if (message.kind === 'checkpoint') this.checkpoints.push(message);
  }

  move(dx: number, dy: number): void {
    this.seq += 1;
    this.outbox.next({ kind: 'input', seq: this.seq, tick: this.replica.latest?.tick ?? 0, dx, dy });
  }

  /** The hash of this client's own reconstruction at its newest tick. */
  latestHash(): { tick: number; hash: string } | null {
    const world = this.replica.latest;
    return world === null ? null : { tick: world.tick, hash: hashWorld(world) };
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}
