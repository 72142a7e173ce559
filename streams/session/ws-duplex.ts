import { Subject } from 'rxjs';
import type { RawData, WebSocket } from 'ws';
import { p2pError } from '../../lib/errors.js';
import type { Duplex } from './duplex.js';

const toBuffer = (data: RawData): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);

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
    else incoming.error(p2pError('ERR_CONNECTION_CLOSED', `peer closed (${code} ${reason.toString()})`, { code }));
  });
  return {
    in$: incoming.asObservable(),
    send: (frame) => {
      if (socket.readyState === socket.OPEN) socket.send(frame, { binary: true });
    },
    close: (reason = 'bye') => {
      if (closedHere) return;
      closedHere = true;
      if (socket.readyState === socket.CONNECTING || socket.readyState === socket.OPEN) socket.close(1000, reason);
      else incoming.complete();
    },
  };
};
