import { X509Certificate } from 'node:crypto';
import { Subject, type Subscription, switchMap } from 'rxjs';
import type { Message } from '../../lib/protocol/messages.js';
import { type Replica, applyDeltaMessage, applyFullState, emptyReplica } from '../../lib/world/replica.js';
import { expandCheckpoint } from '../../lib/world/checkpoint.js';
import { type World, hashWorld } from '../../lib/world/world.js';
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
  /** The newest checkpoint that matched this client's own reconstruction, and the world it covers. */
  kept: { checkpoint: Extract<Message, { kind: 'checkpoint' }>; world: World } | null = null;
  certificate: string | null = null;
  readonly inputs: { seq: number; tick: number; dx: number; dy: number }[] = [];
  deltas = 0;
  readonly refusals: string[] = [];
  error: { code?: string } | undefined;
  paused = false;
  private seq = 0;
  private readonly outbox = new Subject<Message>();
  private readonly subscription: Subscription;

  constructor(
    readonly player: string,
    url: string,
    hostId: string,
    ticket: string,
    caPem: string,
    settings: SessionSettings,
  ) {
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
    if (event.type === 'established') this.certificate = event.certificate;
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
    } else if (message.kind === 'checkpoint' || message.kind === 'checkpoint_changes') {
      const checkpoint =
        message.kind === 'checkpoint' ? message : expandCheckpoint(this.checkpoints.at(-1) ?? null, message);
      if (checkpoint === null) throw new Error(`checkpoint changes since ${message.tick} have no base`);
      this.checkpoints.push(checkpoint);
      const world = this.replica.ring.get(checkpoint.tick);
      if (world !== undefined && hashWorld(world) === checkpoint.hash) this.kept = { checkpoint, world };
    } else if (message.kind === 'error') this.refusals.push(message.code);
  }

  move(dx: number, dy: number): void {
    this.seq += 1;
    const input = { seq: this.seq, tick: this.replica.latest?.tick ?? 0, dx, dy };
    this.inputs.push(input);
    this.outbox.next({ kind: 'input', ...input });
  }

  /** The restore bundle of DESIGN §6: kept checkpoint, the snapshot it covers, the host certificate, inputs since. */
  bundle(): Extract<Message, { kind: 'restore' }> | null {
    if (this.kept === null || this.certificate === null) return null;
    const since = this.kept.checkpoint.lastInputs[this.player] ?? 0;
    return {
      kind: 'restore',
      checkpoint: this.kept.checkpoint,
      entities: [...this.kept.world.entities.values()],
      certificate: this.certificate,
      inputs: this.inputs.filter((i) => i.seq > since),
    };
  }

  /** Sends a message as it is (restore bundles, forged ones included). */
  send(message: Message): void {
    this.outbox.next(message);
  }

  /** Continues numbering inputs after a failover. */
  continueFrom(other: SyncClient): void {
    this.seq = other.seq;
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
