import {
  BehaviorSubject,
  Observable,
  type SchedulerLike,
  Subject,
  Subscription,
  asyncScheduler,
  distinctUntilChanged,
  map,
  timer,
} from 'rxjs';
import { type P2PError, p2pError } from '../../lib/errors.js';
import {
  type EpochKeys,
  deriveNextEpoch,
  finishedMac,
  generateKeyShare,
  macEquals,
  sharedSecret,
} from '../../lib/crypto/key-schedule.js';
import { type KeyRing, createKeyRing } from '../../lib/crypto/key-ring.js';
import type { RekeyMessage } from '../../lib/protocol/control-codecs.js';
import type { Message } from '../../lib/protocol/messages.js';
import { heartbeatTimeout } from '../../operators/heartbeat-timeout.js';
import { keyRing } from '../../operators/key-ring.js';
import { rejectionBudget } from '../../operators/rejection-budget.js';
import { rotateKeys } from '../../operators/rotate-keys.js';
import { createBudgetGate } from './budget-gate.js';
import type { Duplex } from './duplex.js';
import type { HandshakeResult } from './handshake.js';
import { createInboundReader } from './inbound.js';
import { createOutboundWriter } from './outbound.js';
import type { SessionSettings } from './settings.js';

/** What an established channel reports. Keys never appear here: events are logged and recorded. */
export type ChannelEvent =
  | {
      readonly type: 'established';
      readonly hostId: string;
      readonly player: string | null;
      /** The host's verified certificate (PEM, client side): what a restore bundle carries. */
      readonly certificate: string | null;
    }
  | { readonly type: 'message'; readonly message: Message }
  | { readonly type: 'rejected'; readonly error: P2PError }
  | { readonly type: 'epoch'; readonly epoch: number };

export interface ChannelConfig {
  readonly settings: SessionSettings;
  readonly handshake: HandshakeResult;
  /** The caller's messages; subscribed once the peer's finished message has verified. */
  readonly outbox$: Observable<Message>;
  /** Rotates keys now whenever it emits (client side), besides every `rotationIntervalMs`. */
  readonly rekey$?: Observable<unknown>;
  /** Ping period on an established channel; defaults to a quarter of `timeoutMs`. */
  readonly keepaliveMs?: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * When in its keepalive period a connection pings first, in (0, keepaliveMs]: taken from the handshake transcript,
 * so it differs per connection and is the same on replay. Clients that connected together (a host restart, a
 * failover) would otherwise ping on the same millisecond for as long as they stay, and their host would answer a
 * burst of pings every period on top of a tick.
 */
export const keepalivePhaseMs = (transcript: Buffer, keepaliveMs: number): number =>
  transcript.readUInt32BE(0) % keepaliveMs || keepaliveMs;

/**
 * The secure channel over a duplex after the handshake (DESIGN §3–§4): both sides first exchange finished
 * messages under the new keys, then messages flow through the inbound and outbound pipelines. The channel
 * answers pings, drives key rotation (the client initiates every `rotationIntervalMs`; the host answers), keeps
 * the previous epoch's receive key for `keyGraceMs`, and sends keepalive pings (a host only when idle).
 *
 * On a host every message past its per-connection budget is dropped (ERR_RATE_LIMITED, a rejection) or, an input,
 * ends the connection (budget-gate.ts).
 *
 * Errors (connection errors): ERR_HANDSHAKE_FINISHED, ERR_HANDSHAKE_PROTOCOL, ERR_REKEY_PROTOCOL,
 * ERR_TOO_MANY_REJECTIONS, ERR_INPUT_FLOOD, ERR_HEARTBEAT_TIMEOUT, and the duplex's own. Completes when the duplex closes from
 * this side. Unsubscribing stops timers and pipelines; the duplex belongs to the caller.
 */
export const runChannel = (duplex: Duplex, config: ChannelConfig): Observable<ChannelEvent> =>
  new Observable<ChannelEvent>((subscriber) => {
    const { settings, handshake, outbox$, rekey$ } = config;
    const { role, keys, transcript } = handshake;
    const peer = {
      hostId: handshake.hostId,
      player: handshake.ticket?.player ?? null,
      certificate: handshake.certificate?.toString() ?? null,
    };
    const keepaliveMs = config.keepaliveMs ?? Math.max(1, Math.floor(settings.timeoutMs / 4));
    const scheduler = config.scheduler ?? asyncScheduler;
    const subscriptions = new Subscription();
    const fail = (error: P2PError) => subscriber.error(error);

    // Every rejection is reported, and counts against the budget that closes a connection sending garbage.
    const rejected$ = new Subject<P2PError>();
    subscriptions.add(
      rejected$
        .pipe(rejectionBudget({ max: settings.maxRejections, windowMs: settings.rejectWindowMs, scheduler }))
        .subscribe({ error: fail }),
    );
    const reject = (error: P2PError) => {
      subscriber.next({ type: 'rejected', error });
      rejected$.next(error);
    };

    // The send path and the inbound reader are plain calls (createOutboundWriter, createInboundReader): a host
    // takes them once per client per tick and per received frame.
    const writer = createOutboundWriter({
      settings,
      onReject: reject,
      scheduler,
      emit: (frame) => duplex.send(frame),
      fail,
    });
    const reader = createInboundReader(settings, reject, onMessage);
    // A host serves many peers it does not trust, so what each may send it is budgeted; a client has one peer.
    const gate = role === 'host' ? createBudgetGate(settings, scheduler) : null;
    let lastSentAt = scheduler.now();
    const send = (message: Message) => {
      lastSentAt = scheduler.now();
      writer.write(message);
    };

    // Key state is derived: rotations go in, the ring comes out (with each grace expiry), and everything that
    // seals or opens takes its keys from there. `ring$` holds the ring now, for the rekey exchange and for clients'
    // rotation clock.
    const rotations$ = new Subject<EpochKeys>();
    const ring$ = new BehaviorSubject<KeyRing>(createKeyRing(role, keys));
    subscriptions.add(
      rotations$
        .pipe(keyRing({ role, initial: keys, graceMs: settings.keyGraceMs, scheduler }))
        .subscribe((ring) => {
          const previousEpoch = ring$.value.current.epoch;
          writer.useKey(ring.send);
          reader.useKeys(ring.receive);
          ring$.next(ring);
          if (ring.current.epoch !== previousEpoch)
            subscriber.next({ type: 'epoch', epoch: ring.current.epoch });
        }),
    );

    let pendingRekey: { readonly epoch: number; readonly share: ReturnType<typeof generateKeyShare> } | null =
      null;
    const nextEpochKeys = (
      share: ReturnType<typeof generateKeyShare>,
      message: RekeyMessage,
    ): EpochKeys | null => {
      try {
        return deriveNextEpoch(
          sharedSecret(share, Buffer.from(message.publicKey, 'base64')),
          ring$.value.current,
          message.epoch,
        );
      } catch {
        fail(p2pError('ERR_REKEY_PROTOCOL', 'rekey key share is malformed'));
        return null;
      }
    };
    const initiateRekey = (epoch: number) => {
      if (pendingRekey !== null) return;
      pendingRekey = { epoch, share: generateKeyShare() };
      send({ kind: 'rekey', epoch, publicKey: pendingRekey.share.publicKey.toString('base64') });
    };
    const answerRekey = (message: RekeyMessage) => {
      if (role === 'host') {
        if (message.epoch !== ring$.value.current.epoch + 1) {
          fail(
            p2pError(
              'ERR_REKEY_PROTOCOL',
              `rekey to epoch ${message.epoch} from ${ring$.value.current.epoch}`,
            ),
          );
          return;
        }
        const share = generateKeyShare();
        const next = nextEpochKeys(share, message);
        if (next === null) return;
        // Urgent: flushed and sealed under the old key before the switch below, the last frame of its epoch.
        send({ kind: 'rekey', epoch: message.epoch, publicKey: share.publicKey.toString('base64') });
        rotations$.next(next);
        return;
      }
      if (pendingRekey === null || message.epoch !== pendingRekey.epoch) {
        fail(p2pError('ERR_REKEY_PROTOCOL', `unexpected rekey to epoch ${message.epoch}`));
        return;
      }
      const next = nextEpochKeys(pendingRekey.share, message);
      pendingRekey = null;
      if (next !== null) rotations$.next(next);
    };

    const [ownFinishedKey, peerFinishedKey] =
      role === 'client'
        ? [keys.clientFinishedKey, keys.hostFinishedKey]
        : [keys.hostFinishedKey, keys.clientFinishedKey];
    let established = false;
    const establish = (message: Message) => {
      if (message.kind !== 'finished') {
        fail(p2pError('ERR_HANDSHAKE_PROTOCOL', `expected finished, got ${message.kind}`));
        return;
      }
      if (!macEquals(Buffer.from(message.verify, 'base64'), finishedMac(peerFinishedKey, transcript))) {
        fail(p2pError('ERR_HANDSHAKE_FINISHED', 'peer finished message does not match the transcript'));
        return;
      }
      established = true;
      // The outbox is live before anyone hears of `established`, so what they send in reaction is not lost.
      subscriptions.add(outbox$.subscribe({ next: send, error: fail }));
      subscriber.next({
        type: 'established',
        ...peer,
      });
      // A client pings on the clock: its pongs are its round-trip samples. A host pings only when it had nothing
      // else to send for a whole period: any frame keeps the client's heartbeat alive, and a host in play sends
      // one per tick, so the pings and their pongs would only cost it a seal and a receive per client.
      subscriptions.add(
        timer(keepalivePhaseMs(transcript, keepaliveMs), keepaliveMs, scheduler).subscribe((id) => {
          if (role === 'client' || scheduler.now() - lastSentAt >= keepaliveMs)
            send({ kind: 'ping', id, time: scheduler.now() });
        }),
      );
      if (role === 'client') {
        subscriptions.add(
          ring$
            .pipe(
              map((ring) => ring.current.epoch),
              distinctUntilChanged(),
              rotateKeys({ intervalMs: settings.rotationIntervalMs, scheduler }),
            )
            .subscribe(initiateRekey),
        );
        if (rekey$ !== undefined) {
          subscriptions.add(rekey$.subscribe(() => initiateRekey(ring$.value.current.epoch + 1)));
        }
      }
    };

    /** Whether a message is within its budget; if not it is dropped, or the connection ends (budget-gate.ts). */
    const withinBudget = (message: Message): boolean => {
      const verdict = gate === null ? null : gate(message);
      if (verdict === null || verdict.kind === 'pass') return true;
      const { error } = verdict;
      if (verdict.kind === 'cut' || verdict.tell)
        send({ kind: 'error', code: error.code, message: error.message });
      if (verdict.kind === 'cut') fail(error);
      else reject(error);
      return false;
    };

    function onMessage(message: Message) {
      // The rest of a frame after the connection ended (a cut mid-batch) is not read.
      if (subscriber.closed) return;
      if (!established) {
        establish(message);
        return;
      }
      if (!withinBudget(message)) return;
      switch (message.kind) {
        case 'rekey':
          answerRekey(message);
          return;
        case 'finished':
          reject(p2pError('ERR_HANDSHAKE_PROTOCOL', 'finished message on an established channel'));
          return;
        case 'ping':
          send({ kind: 'pong', id: message.id, time: message.time });
          break;
        default:
          break;
      }
      subscriber.next({ type: 'message', message });
    }

    // The heartbeat counts frames, whatever they hold: a peer sending only garbage is cut by the rejection budget.
    subscriptions.add(
      duplex.in$.pipe(heartbeatTimeout({ timeoutMs: settings.timeoutMs, scheduler })).subscribe({
        next: (bytes) => {
          // A throw here would be a bug in a decoder: it ends this connection, never the process.
          try {
            reader.read(bytes);
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: fail,
        complete: () => subscriber.complete(),
      }),
    );
    // The channel listens before the host's welcome goes out, so the client's finished cannot be missed.
    const reply = handshake.takeReply();
    if (reply !== null) duplex.send(reply);
    send({ kind: 'finished', verify: finishedMac(ownFinishedKey, transcript).toString('base64') });

    return () => {
      subscriptions.unsubscribe();
      rotations$.complete();
      rejected$.complete();
      writer.close();
    };
  });
