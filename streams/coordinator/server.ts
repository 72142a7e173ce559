import { toBuffer } from '../session/ws-duplex.js';
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Observable, Subject, share } from 'rxjs';
import { Counter, Gauge, Registry } from 'prom-client';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  type Connection,
  type CoordinatorDeps,
  type CoordinatorEvent,
  runCoordinator,
} from './coordinator.js';

export type CoordinatorServerEvent = CoordinatorEvent | { readonly event: 'listening'; readonly url: string };

export interface ListenOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

const toConnection = (socket: WebSocket, request: IncomingMessage): Connection => {
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
  };
};

/** Prometheus metrics derived from the coordinator's own event stream and its store. */
const createMetrics = (
  deps: CoordinatorDeps,
  events$: Observable<CoordinatorServerEvent>,
  sockets: () => number,
) => {
  const registry = new Registry();
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
 */
export const coordinatorServer$ = (
  deps: CoordinatorDeps,
  listen: ListenOptions,
): Observable<CoordinatorServerEvent> =>
  new Observable<CoordinatorServerEvent>((subscriber) => {
    const http = createServer();
    const wss = new WebSocketServer({
      server: http,
      maxPayload: deps.config.P2P_COORDINATOR.MaxMessageBytes * 16,
    });
    const connections$ = new Subject<Connection>();
    wss.on('connection', (socket, request) => connections$.next(toConnection(socket, request)));

    const events$ = runCoordinator(connections$, deps).pipe(share());
    const metrics = createMetrics(deps, events$, () => wss.clients.size);
    const eventSubscription = events$.subscribe(subscriber);

    http.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (request.url === '/healthz') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (request.url === '/metrics') {
        metrics.registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
          () => response.writeHead(500).end(),
        );
      } else if (request.headers.upgrade === undefined) {
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
    };
  });
