import { inflateRawSync } from 'node:zlib';
import type { Observable } from 'rxjs';
import { either } from 'fp-ts';
import { type DirectionKey, open } from '../lib/crypto/aead.js';
import { createFrameSealer } from '../lib/crypto/frame-sealer.js';
import { finishedMac } from '../lib/crypto/key-schedule.js';
import { BATCH_COUNT_BYTES, BATCH_ENTRY_BYTES, encodeBatch } from '../lib/protocol/batch.js';
import { FLAG_COMPRESSED, decodeFrame } from '../lib/protocol/frame.js';
import { DEFAULT_LIMITS } from '../lib/protocol/limits.js';
import { KIND_BYTES, type Message, decodePayload } from '../lib/protocol/messages.js';
import { keepalivePhaseMs } from '../streams/session/channel.js';
import type { Duplex } from '../streams/session/duplex.js';
import type { HandshakeResult } from '../streams/session/handshake.js';

/** What a bench bot hears: each delta's tick, and the ticks of the full states it must acknowledge. */
export interface LeanClientHandlers {
  readonly delta: (tick: number) => void;
  readonly fullState: (tick: number) => void;
  readonly failed: (code: string) => void;
  /** Every other message the host sends (its coded `error`, say), for the abuse bench's attacker. */
  readonly other?: (message: Message) => void;
}

/** A bot once its handshake is done: acknowledges ticks, or sends any messages in one frame. */
export interface LeanClient {
  readonly ack: (tick: number) => void;
  readonly send: (messages: readonly Message[]) => void;
  /** Seals any body with any frame flags (a deflate bomb, say) and sends it. */
  readonly sendBody: (flags: number, body: Buffer) => void;
  /** Bytes sent but not yet written to the socket. */
  readonly buffered: () => number;
}

const DELTA = KIND_BYTES.delta;

/**
 * A bench bot's receive path after the real handshake: open each frame (real AES-GCM, the host's keys), and
 * read only what a bot needs, a delta's tick from its first four bytes (docs/PROTOCOL.md §3.1); every other
 * message is decoded in full. It does not apply deltas to a world: the bench measures the host, and on two
 * cores a thousand full clients would saturate the bots' core first. What it sends is what a client sends:
 * its finished, acks, and pings on the client's clock and phase, sealed and numbered.
 */
export const leanClient = (
  duplex: Duplex,
  handshake$: Observable<HandshakeResult>,
  keepaliveMs: number,
  on: LeanClientHandlers,
): Promise<LeanClient> =>
  new Promise((resolve, reject) => {
    // Subscribed in the handshake's own callback: the host's first sealed frame may be in the same read.
    handshake$.subscribe({
      next: (handshake) => resolve(run(duplex, handshake, keepaliveMs, on)),
      error: reject,
    });
  });

const run = (duplex: Duplex, handshake: HandshakeResult, keepaliveMs: number, on: LeanClientHandlers) => {
  const receiveKey: DirectionKey = handshake.keys.hostToClient;
  const sealer = createFrameSealer(true);
  sealer.useKey(handshake.keys.clientToHost);
  const sendBody = (flags: number, body: Buffer) => {
    const frame = sealer.seal({ flags, body });
    if (either.isRight(frame)) duplex.send(frame.right);
  };
  const sendAll = (messages: readonly Message[]) => {
    const body = encodeBatch(messages, DEFAULT_LIMITS);
    if (either.isLeft(body)) throw body.left;
    sendBody(0, body.right);
  };
  const send = (message: Message) => sendAll([message]);
  let pings = 0;
  const ping = () => send({ kind: 'ping', id: pings++, time: Date.now() });
  // Pings on the client's clock, at the channel's per-connection phase.
  let keepalive: ReturnType<typeof setInterval> | undefined;
  const firstPing = setTimeout(
    () => {
      ping();
      keepalive = setInterval(ping, keepaliveMs);
    },
    keepalivePhaseMs(handshake.transcript, keepaliveMs),
  );
  duplex.in$.subscribe({
    next: (bytes) => {
      const frame = decodeFrame(bytes, DEFAULT_LIMITS.maxFrameBytes);
      if (either.isLeft(frame)) return on.failed(frame.left.code);
      const opened = open(receiveKey, frame.right);
      if (either.isLeft(opened)) return on.failed(opened.left.code);
      const body =
        (frame.right.header.flags & FLAG_COMPRESSED) === 0 ? opened.right : inflateRawSync(opened.right);
      const count = body.readUInt16BE(0);
      let at = BATCH_COUNT_BYTES;
      for (let i = 0; i < count; i++) {
        const kind = body[at] as number;
        const start = at + BATCH_ENTRY_BYTES;
        const end = start + body.readUInt32BE(at + 1);
        at = end;
        if (kind === DELTA) {
          on.delta(body.readUInt32BE(start));
          continue;
        }
        const message = decodePayload(kind, body, start, end);
        if (either.isLeft(message)) {
          on.failed(message.left.code); // rejected alone, as a client does; its neighbours still count
          continue;
        }
        if (message.right.kind === 'full_state') on.fullState(message.right.tick);
        if (message.right.kind === 'ping')
          send({ kind: 'pong', id: message.right.id, time: message.right.time });
        else if (message.right.kind !== 'full_state') on.other?.(message.right);
      }
    },
    error: (error: unknown) => {
      clearTimeout(firstPing);
      clearInterval(keepalive);
      on.failed((error as { code?: string }).code ?? 'ERR_CONNECTION_CLOSED');
    },
  });
  send({
    kind: 'finished',
    verify: finishedMac(handshake.keys.clientFinishedKey, handshake.transcript).toString('base64'),
  });
  return {
    ack: (tick: number) => send({ kind: 'ack', tick }),
    send: sendAll,
    sendBody,
    buffered: () => duplex.bufferedAmount?.() ?? 0,
  };
};
