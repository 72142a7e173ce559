import { Observable, Subject } from 'rxjs';
import { type ClientOptions, type RawData, WebSocket } from 'ws';
import { ERROR_CODES, type ErrorCode, type P2PError, p2pError } from '../../lib/errors.js';
import type { Duplex } from './duplex.js';

/** A ws message's bytes, whatever form ws delivered them in. */
export const toBuffer = (data: RawData): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);

/**
 * The error a peer's close means. A server closes with the code of why as the reason (ERR_LEASE_REVOKED…): those
 * of a connection or credentials kind are taken as given, so the client reacts to the reason, not to a bare close;
 * at worst a forged one costs a retry. Any other reason is a plain ERR_CONNECTION_CLOSED: a close frame is not
 * authenticated, so it can neither claim a security failure nor end a session for good (ERR_SESSION_REPLACED
 * counts only as a sealed `error` message inside the channel).
 */
const TAKEN_FROM_PEER: ReadonlySet<string> = new Set(['connection', 'credentials']);
const closeError = (code: number, reason: string): P2PError => {
  const coded = reason in ERROR_CODES ? ERROR_CODES[reason as ErrorCode] : undefined;
  const trusted = coded !== undefined && TAKEN_FROM_PEER.has(coded.category);
  return p2pError(
    trusted ? (reason as ErrorCode) : 'ERR_CONNECTION_CLOSED',
    `peer closed (${code} ${reason})`,
    {
      code,
    },
  );
};

/** ws copies its send options, so one object serves every send. */
const BINARY = { binary: true } as const;

/**
 * A WebSocket as a Duplex. Frames arrive on `in$` from the moment this is called (subscribe at once: `in$` is
 * hot). The socket is closed by `close()` (then `in$` completes) or by the peer (then `in$` errors with
 * ERR_CONNECTION_CLOSED, or ERR_CONNECTION_FAILED for a socket error). Sends after close are dropped.
 */
export const fromWebSocket = (socket: WebSocket): Duplex => {
  const incoming = new Subject<Buffer>();
  let closedHere = false;
  socket.binaryType = 'nodebuffer';
  socket.on('message', (data: RawData) => incoming.next(toBuffer(data)));
  socket.on('error', (error: Error) =>
    incoming.error(p2pError('ERR_CONNECTION_FAILED', `socket error: ${error.message}`)),
  );
  socket.on('close', (code: number, reason: Buffer) => {
    if (closedHere) incoming.complete();
    else incoming.error(closeError(code, reason.toString()));
  });
  return {
    in$: incoming.asObservable(),
    send: (frame) => {
      if (socket.readyState === socket.OPEN) socket.send(frame, BINARY);
    },
    bufferedAmount: () => socket.bufferedAmount,
    close: (reason = 'bye') => {
      if (closedHere) return;
      closedHere = true;
      if (socket.readyState === socket.CONNECTING || socket.readyState === socket.OPEN)
        socket.close(1000, reason);
      else incoming.complete();
    },
  };
};

/**
 * Opens a WebSocket to `url` and emits it as a Duplex once open, then stays open. Errors with
 * ERR_CONNECTION_FAILED when the socket cannot be opened. Unsubscribing closes the socket.
 *
 * @example connectWebSocket(url).pipe(switchMap((duplex) => clientSession(duplex, config)))
 */
export const connectWebSocket = (url: string, options: ClientOptions = {}): Observable<Duplex> =>
  new Observable<Duplex>((subscriber) => {
    const socket = new WebSocket(url, options);
    let duplex: Duplex | null = null;
    const onError = (error: Error) =>
      subscriber.error(p2pError('ERR_CONNECTION_FAILED', `cannot connect to ${url}: ${error.message}`));
    socket.once('error', onError);
    socket.once('open', () => {
      socket.off('error', onError);
      duplex = fromWebSocket(socket);
      subscriber.next(duplex);
    });
    return () => {
      socket.off('error', onError);
      if (duplex !== null) {
        duplex.close();
        return;
      }
      // Terminating a socket that is still connecting emits an error nobody is left to hear.
      socket.on('error', () => undefined);
      socket.terminate();
    };
  });
