import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { type Socket, connect } from 'node:net';

/**
 * A TCP connection to a WebSocket server driven byte by byte, for attack specs: an HTTP upgrade left half-sent,
 * or completed and followed by WebSocket frames no library client would send (a million pings in one write).
 */
export interface RawTcp {
  readonly socket: Socket;
  /** Resolves when the server closed or reset the connection. */
  readonly closed: Promise<void>;
  /** Everything the server sent so far. */
  readonly received: () => Buffer;
}

/** Connects to `url`'s host and port, from `localAddress` when given (127.0.0.2 is another loopback address). */
export const connectTcp = async (url: string, localAddress?: string): Promise<RawTcp> => {
  const { hostname, port } = new URL(url);
  const socket = connect({
    host: hostname,
    port: Number(port),
    ...(localAddress === undefined ? {} : { localAddress }),
  });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await once(socket, 'connect');
  return { socket, closed, received: () => Buffer.concat(chunks) };
};

/** The request line and headers of a WebSocket upgrade, without the blank line that ends them. */
export const upgradeHead = (url: string): string => {
  const { host, pathname } = new URL(url);
  return (
    `GET ${pathname} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n`
  );
};

/** Completes an upgrade on a raw connection: resolves once the server answered 101. */
export const upgrade = async (raw: RawTcp, url: string): Promise<void> => {
  raw.socket.write(`${upgradeHead(url)}\r\n`);
  for (let n = 0; n < 100 && !raw.received().includes('\r\n\r\n'); n++) await once(raw.socket, 'data');
  if (!raw.received().toString('latin1').startsWith('HTTP/1.1 101')) throw new Error('upgrade refused');
};

/** `count` masked WebSocket ping frames with empty payloads, back to back (6 bytes each). */
export const pingFrames = (count: number): Buffer => {
  const frame = Buffer.from([0x89, 0x80, 1, 2, 3, 4]);
  const frames = Buffer.alloc(frame.length * count);
  for (let n = 0; n < count; n++) frame.copy(frames, n * frame.length);
  return frames;
};
