import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { Admission, Release } from './admission.js';

export interface UpgradeServerConfig {
  /** How long a connection may take to send its upgrade request (`TimeoutMS`). */
  readonly timeoutMs: number;
  readonly admission: Admission;
  readonly scheduler: SchedulerLike;
  /** A connection closed in its HTTP stage: refused (ERR_RATE_LIMITED) or out of time (ERR_HANDSHAKE_TIMEOUT). */
  readonly onClosed: (code: 'ERR_RATE_LIMITED' | 'ERR_HANDSHAKE_TIMEOUT') => void;
  /** Each upgrade request, its HTTP stage over (its slot given back, its deadline off). */
  readonly onUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export interface UpgradeServer {
  readonly server: Server;
  /** Destroys every connection still in its HTTP stage and stops listening. */
  readonly close: () => void;
}

/**
 * The HTTP server under a host's WebSocket server, owned here rather than made by ws so its HTTP stage is bounded
 * (issue 17: upgrades stalled for 330 s). From TCP accept to its upgrade request a connection holds an HTTP slot of
 * `admission` (refused at once without one) and has `timeoutMs` on the injected scheduler; Node's own header and
 * request timeouts say the same to a plain HTTP request. A request that is no upgrade gets 426.
 */
export const createUpgradeServer = (config: UpgradeServerConfig): UpgradeServer => {
  const server = createServer({ headersTimeout: config.timeoutMs, requestTimeout: config.timeoutMs });
  const waiting = new Map<Duplex, { readonly release: Release; readonly deadline: Subscription }>();
  const leave = (socket: Duplex) => {
    const stage = waiting.get(socket);
    if (stage === undefined) return;
    waiting.delete(socket);
    stage.release();
    stage.deadline.unsubscribe();
  };
  server.on('connection', (socket: Socket) => {
    const release = config.admission.http(socket.remoteAddress ?? 'unknown');
    if (release === null) {
      socket.destroy();
      config.onClosed('ERR_RATE_LIMITED');
      return;
    }
    const deadline = config.scheduler.schedule(() => {
      leave(socket);
      socket.destroy();
      config.onClosed('ERR_HANDSHAKE_TIMEOUT');
    }, config.timeoutMs);
    waiting.set(socket, { release, deadline });
    socket.once('close', () => leave(socket));
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    leave(socket);
    config.onUpgrade(request, socket, head);
  });
  server.on('request', (_request, response) => {
    response.writeHead(426, { Connection: 'close' }).end();
  });
  // A malformed request: Node would answer 400 and wait for the socket to drain; nothing here needs an answer.
  server.on('clientError', (_error, socket: Duplex) => socket.destroy());
  return {
    server,
    close: () => {
      for (const socket of [...waiting.keys()]) {
        leave(socket);
        socket.destroy();
      }
      server.close();
    },
  };
};
