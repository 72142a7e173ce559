import { toBuffer } from '../session/ws-duplex.js';
import { Observable, Subject } from 'rxjs';
import { WebSocket } from 'ws';
import { ERROR_CODES, type ErrorCode, P2PError, p2pError } from '../../lib/errors.js';
import type { Push, Response } from '../../lib/coordinator/protocol.js';

/** A control connection to the coordinator, as seen by a host or a player. */
export interface RpcChannel {
  /** Sends a request and resolves with its result; rejects with the coordinator's coded refusal. */
  readonly request: <T>(body: Readonly<Record<string, unknown>>) => Promise<T>;
  /** Sends a message that gets no answer (heartbeats). */
  readonly notify: (body: Readonly<Record<string, unknown>>) => void;
  readonly pushes$: Observable<Push>;
}

const refusal = (error: { code: string; message: string }): P2PError =>
  new P2PError(
    error.code in ERROR_CODES ? (error.code as ErrorCode) : 'ERR_REQUEST_MALFORMED',
    error.message,
  );

/**
 * How long one attempt to reach the coordinator may take. Without a bound, an attempt made while the network is
 * cut waits on TCP's SYN retransmissions (1, 3, 7 s…) and the first attempt after the cut heals comes late: a host
 * learned of its revoked lease 9.7 s after a partition ended.
 */
const CONNECT_TIMEOUT_MS = 3000;

/**
 * Opens a control connection and emits it once open. Errors with ERR_CONNECTION_FAILED when it cannot open and
 * ERR_CONNECTION_CLOSED when the coordinator goes away; pending requests are rejected the same way.
 * Unsubscribing closes the socket.
 */
export const connectRpc = (url: string): Observable<RpcChannel> =>
  new Observable<RpcChannel>((subscriber) => {
    const socket = new WebSocket(url, { handshakeTimeout: CONNECT_TIMEOUT_MS });
    const pushes = new Subject<Push>();
    const pending = new Map<number, { resolve: (value: never) => void; reject: (error: P2PError) => void }>();
    let nextId = 1;
    let open = false;
    let closedHere = false;

    const fail = (error: P2PError) => {
      for (const { reject } of pending.values()) reject(error);
      pending.clear();
      pushes.complete();
      subscriber.error(error);
    };
    socket.on('error', (error) => {
      if (!open) fail(p2pError('ERR_CONNECTION_FAILED', `cannot reach coordinator ${url}: ${error.message}`));
    });
    socket.on('close', (code) => {
      if (!closedHere) fail(p2pError('ERR_CONNECTION_CLOSED', `coordinator closed the connection (${code})`));
    });
    socket.on('message', (data) => {
      let message: (Response & { push?: undefined }) | Push;
      try {
        message = JSON.parse(toBuffer(data).toString('utf8')) as Response | Push;
      } catch {
        return;
      }
      if ('push' in message && message.push !== undefined) {
        pushes.next(message);
        return;
      }
      const response = message as Response;
      const waiting = response.id === null ? undefined : pending.get(response.id);
      if (waiting === undefined || response.id === null) return;
      pending.delete(response.id);
      if (response.ok) waiting.resolve(response.result as never);
      else waiting.reject(refusal(response.error));
    });
    socket.on('open', () => {
      open = true;
      subscriber.next({
        request: <T>(body: Readonly<Record<string, unknown>>) =>
          new Promise<T>((resolve, reject) => {
            const id = nextId++;
            pending.set(id, { resolve: resolve, reject });
            socket.send(JSON.stringify({ ...body, id }));
          }),
        notify: (body) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(body));
        },
        pushes$: pushes.asObservable(),
      });
    });
    return () => {
      closedHere = true;
      pushes.complete();
      if (socket.readyState === socket.CONNECTING) {
        socket.on('error', () => undefined);
        socket.terminate();
      } else socket.close();
    };
  });
