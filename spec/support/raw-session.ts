import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { firstValueFrom } from 'rxjs';
import { WebSocket } from 'ws';
import { ignoreRejection } from '../../lib/errors.js';
import { createKeyRing } from '../../lib/crypto/key-ring.js';
import { createFrameSealer } from '../../lib/crypto/frame-sealer.js';
import { finishedMac } from '../../lib/crypto/key-schedule.js';
import type { Message } from '../../lib/protocol/messages.js';
import { clientHandshake } from '../../streams/session/handshake.js';
import { createInboundReader } from '../../streams/session/inbound.js';
import type { SessionSettings } from '../../streams/session/settings.js';
import { fromWebSocket } from '../../streams/session/ws-duplex.js';
import { batchBody } from './frames.js';

/**
 * A client session driven by hand, for attack specs: a real handshake and finished message, then whatever frames
 * the spec seals (a batch of 256 pings, inputs…), sent as fast as the socket takes them. What the host sends back
 * is opened into `received`.
 */
export interface RawSession {
  readonly socket: WebSocket;
  readonly received: Message[];
  /** The close code and reason, once the socket is closed. */
  readonly closed: Promise<{ readonly code: number; readonly reason: string }>;
  /** The next frame of this session, holding `messages` (at most 256), sealed under its key. */
  readonly frame: (messages: readonly Message[]) => Buffer;
  readonly send: (frame: Buffer) => void;
  /** The codes of the `error` messages the host sent. */
  readonly errors: () => string[];
}

export interface RawSessionConfig {
  readonly hostId: string;
  readonly ticket: string;
  readonly caPem: string;
  readonly settings: SessionSettings;
}

/** Connects, completes the handshake (hello, welcome, finished) and resolves once the host may take messages. */
export const openRawSession = async (url: string, config: RawSessionConfig): Promise<RawSession> => {
  const socket = new WebSocket(url);
  socket.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await once(socket, 'open');
  const duplex = fromWebSocket(socket);
  const received: Message[] = [];
  const reader = createInboundReader(config.settings, ignoreRejection, (message) => received.push(message));
  // Frames after the welcome (the host's finished) can come in the same read as it: held until the keys are known.
  let early: Buffer[] | null = [];
  duplex.in$.subscribe({
    next: (frame) => (early === null ? reader.read(frame) : early.push(frame)),
    error: () => undefined,
  });
  const handshake = await firstValueFrom(
    clientHandshake(duplex, {
      ticket: config.ticket,
      hostId: config.hostId,
      ca: new X509Certificate(config.caPem),
      encrypted: true,
      limits: config.settings.limits,
    }),
  );
  const ring = createKeyRing('client', handshake.keys);
  reader.useKeys(ring.receive);
  const held = early ?? [];
  early = null;
  held.slice(1).forEach((frame) => reader.read(frame));
  const sealer = createFrameSealer(true);
  sealer.useKey(ring.send);
  const frame = (messages: readonly Message[]) => {
    const sealed = sealer.seal({ flags: 0, body: batchBody(...messages) });
    if (sealed._tag === 'Left') throw sealed.left;
    return sealed.right;
  };
  const finished = finishedMac(handshake.keys.clientFinishedKey, handshake.transcript).toString('base64');
  duplex.send(frame([{ kind: 'finished', verify: finished }]));
  return {
    socket,
    received,
    closed,
    frame,
    send: (bytes) => duplex.send(bytes),
    errors: () => received.flatMap((m) => (m.kind === 'error' ? [m.code] : [])),
  };
};
