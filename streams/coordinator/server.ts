import { toBuffer } from '../session/ws-duplex.js';
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Observable, Subject, asyncScheduler, share } from 'rxjs';
import { either } from 'fp-ts';
import { Counter, Gauge, Registry } from 'prom-client';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  type Connection,
  type CoordinatorDeps,
  type CoordinatorEvent,
  runCoordinator,
} from './coordinator.js';
import { type SocketPass, createSocketBudget } from './socket-budget.js';
import type { P2PError } from '../../lib/errors.js';

export type CoordinatorServerEvent = CoordinatorEvent | { readonly event: 'listening'; readonly url: string };

export interface ListenOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

/** WebSocket close code for a control socket that did not log in or register in time (ERR_AUTH_TIMEOUT). */
export const AUTH_TIMEOUT_CLOSE_CODE = 4008;

const toConnection = (socket: WebSocket, request: IncomingMessage, pass: SocketPass): Connection => {
  const messages = new Subject<string>();
  socket.on('message', (data, isBinary) => messages.next(isBinary ? '' : toBuffer(data).toString('utf8')));
  socket.on('close', () => messages.complete());
  socket.on('error', () => messages.complete());
  return {
    id: randomUUID(),
    address: request.socket.remoteAddress ?? 'unknown',
    messages$: messages.asObservable(),
    send: (message) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    },
    close: (code, reason) => socket.close(code, reason),
    authenticated: pass.authenticated,
  };
};

/** Turns a TCP connection away before HTTP: a 503 naming the code, then the socket is gone. */
const refuseSocket = (socket: Socket, error: P2PError) => {
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  socket.on('error', () => undefined);
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `X-Warp-Error: ${error.code}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
};

/** Where each admitted TCP socket stands: its place in the budget, and its WebSocket once upgraded. */
interface Admitted {
  readonly pass: SocketPass;
  ws: WebSocket | null;
}

/**
 * A socket whose deadline passed before it logged in or registered: a WebSocket is told ERR_AUTH_TIMEOUT and
 * closed with AUTH_TIMEOUT_CLOSE_CODE; anything still in HTTP (a stalled upgrade, a silent socket) is destroyed.
 */
const expireSocket = (socket: Socket, admitted: Admitted) => {
  const ws = admitted.ws;
  if (ws === null) {
    socket.destroy();
    return;
  }
  if (ws.readyState === ws.OPEN)
    ws.send(
      JSON.stringify({
        id: null,
        ok: false,
        error: { code: 'ERR_AUTH_TIMEOUT', message: 'log in or register sooner after connecting' },
      }),
    );
  ws.close(AUTH_TIMEOUT_CLOSE_CODE, 'ERR_AUTH_TIMEOUT');
};

/** Prometheus metrics derived from the coordinator's own event stream and its store. */
const createMetrics = (
  deps: CoordinatorDeps,
  events$: Observable<CoordinatorServerEvent>,
  sockets: () => number,
  unauthenticated: () => number,
) => {
  const registry = new Registry();
  new Gauge({
    name: 'warp_coordinator_unauthenticated_sockets',
    help: 'TCP sockets not yet logged in or registered (bounded by MaxUnauthenticated)',
    registers: [registry],
    collect() {
      this.set(unauthenticated());
    },
  });
  new Gauge({
    name: 'warp_coordinator_hosts',
    help: 'Live hosts, by kind',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const hosts = (await deps.store.listHosts()).filter((h) => h.alive);
      this.set({ kind: 'p2p' }, hosts.filter((h) => h.kind === 'p2p').length);
      this.set({ kind: 'vps' }, hosts.filter((h) => h.kind === 'vps').length);
    },
  });
  new Gauge({
    name: 'warp_coordinator_maps',
    help: 'Maps with a live owner',
    registers: [registry],
    async collect() {
      this.set((await deps.store.listLeases()).filter((l) => l.owner !== null).length);
    },
  });
  new Gauge({
    name: 'warp_coordinator_clients',
    help: 'Open control connections that are not hosts',
    registers: [registry],
    async collect() {
      const hosts = (await deps.store.listHosts()).filter((h) => h.alive).length;
      this.set(Math.max(0, sockets() - hosts));
    },
  });
  const assignments = new Counter({
    name: 'warp_coordinator_assignments_total',
    help: 'Map assignments answered',
    registers: [registry],
  });
  const moves = new Counter({
    name: 'warp_coordinator_moves_total',
    help: 'Maps moved off a lost host',
    registers: [registry],
  });
  const subscription = events$.subscribe((event) => {
    if (event.event === 'map.assigned') assignments.inc();
    if (event.event === 'map.moved') moves.inc();
  });
  return { registry, subscription };
};

/**
 * The coordinator on one port: WebSocket control connections, and HTTP `/healthz` and `/metrics` (Prometheus
 * text). Emits `listening` with the URL once bound, then every coordinator event. Unsubscribing closes every
 * socket and the server.
 *
 * Every TCP socket counts against the unauthenticated budget from its accept until it logs in or registers: one
 * past MaxUnauthenticatedPerAddress (or MaxUnauthenticated in all) gets a 503 with ERR_CONNECTION_LIMIT, and one
 * still unauthenticated after AuthTimeoutMS is closed (ERR_AUTH_TIMEOUT). HTTP headers and requests, upgrades
 * included, must arrive within HttpTimeoutMS.
 */
export const coordinatorServer$ = (
  deps: CoordinatorDeps,
  listen: ListenOptions,
): Observable<CoordinatorServerEvent> =>
  new Observable<CoordinatorServerEvent>((subscriber) => {
    const settings = deps.config.P2P_COORDINATOR;
    const http = createServer({
      headersTimeout: settings.HttpTimeoutMS,
      requestTimeout: settings.HttpTimeoutMS,
      // How often Node looks for requests past those timeouts (30 s by default: the bound would be 30 s late).
      connectionsCheckingInterval: Math.min(1000, settings.HttpTimeoutMS),
    });
    const wss = new WebSocketServer({ noServer: true, maxPayload: settings.MaxMessageBytes * 16 });
    const budget = createSocketBudget({
      perAddress: settings.MaxUnauthenticatedPerAddress,
      total: settings.MaxUnauthenticated,
      timeoutMs: settings.AuthTimeoutMS,
      scheduler: deps.scheduler ?? asyncScheduler,
    });
    const admitted = new WeakMap<Socket, Admitted>();
    const connections$ = new Subject<Connection>();

    http.on('connection', (socket: Socket) => {
      const pass = budget.admit(socket.remoteAddress ?? 'unknown', () => {
        const entry = admitted.get(socket);
        if (entry !== undefined) expireSocket(socket, entry);
      });
      if (either.isLeft(pass)) {
        refuseSocket(socket, pass.left);
        return;
      }
      admitted.set(socket, { pass: pass.right, ws: null });
      socket.once('close', pass.right.release);
    });
    http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      const entry = admitted.get(socket);
      if (entry === undefined) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        entry.ws = ws;
        connections$.next(toConnection(ws, request, entry.pass));
      });
    });

    const events$ = runCoordinator(connections$, deps).pipe(share());
    const metrics = createMetrics(
      deps,
      events$,
      () => wss.clients.size,
      () => budget.unauthenticated(),
    );
    const eventSubscription = events$.subscribe(subscriber);

    http.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (!admitted.has(request.socket)) {
        request.socket.destroy();
      } else if (request.url === '/healthz') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (request.url === '/metrics') {
        metrics.registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
          () => response.writeHead(500).end(),
        );
      } else {
        response.writeHead(404).end();
      }
    });
    http.listen(listen.port, listen.host, () => {
      const { port } = http.address() as AddressInfo;
      subscriber.next({ event: 'listening', url: `ws://${listen.host}:${port}` });
    });
    http.on('error', (error) => subscriber.error(error));

    return () => {
      eventSubscription.unsubscribe();
      metrics.subscription.unsubscribe();
      connections$.complete();
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.close();
      // Sockets still in HTTP (idle, stalled, keep-alive) would hold the process until their deadlines.
      http.closeAllConnections();
    };
  });
