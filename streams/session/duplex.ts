import { Observable, Subject } from 'rxjs';
import { p2pError } from '../../lib/errors.js';

/**
 * A connection as two halves: frames in, and a way to send frames out. The same session code runs over a
 * WebSocket, an in-memory pair in tests, and a recorded log in replay.
 *
 * `in$` is hot. It completes when this side closed the connection and errors with ERR_CONNECTION_CLOSED when
 * the peer did.
 */
export interface Duplex {
  readonly in$: Observable<Buffer>;
  readonly send: (frame: Buffer) => void;
  readonly close: (reason?: string) => void;
  /** Bytes accepted by `send` but not yet written to the network (a slow peer's backlog); 0 when unknown. */
  readonly bufferedAmount?: () => number;
}

/** Two connected in-memory ends; a frame sent on one arrives, synchronously, on the other. */
export const createMemoryDuplexPair = (): readonly [Duplex, Duplex] => {
  const toA = new Subject<Buffer>();
  const toB = new Subject<Buffer>();
  let open = true;
  const end = (
    incoming: Subject<Buffer>,
    outgoing: Subject<Buffer>,
    peerIncoming: Subject<Buffer>,
  ): Duplex => ({
    in$: incoming.asObservable(),
    send: (frame) => {
      if (open) outgoing.next(frame);
    },
    close: (reason = 'closed') => {
      if (!open) return;
      open = false;
      incoming.complete();
      peerIncoming.error(p2pError('ERR_CONNECTION_CLOSED', `peer closed: ${reason}`));
    },
  });
  return [end(toA, toB, toB), end(toB, toA, toA)];
};
