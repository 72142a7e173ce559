import {
  EMPTY,
  Observable,
  type SchedulerLike,
  Subject,
  asyncScheduler,
  catchError,
  defer,
  filter,
  finalize,
  firstValueFrom,
  from,
  ignoreElements,
  merge,
  mergeMap,
  race,
  retry,
  switchMap,
  throwError,
  take,
  timer,
} from 'rxjs';
import { either } from 'fp-ts';
import type { Config } from '../../config/schema.js';
import { type P2PError, p2pError, toP2PError } from '../../lib/errors.js';
import {
  type AnnounceRequest,
  type AssignRequest,
  type Assignment,
  type CoordinatorRequest,
  type HeldLease,
  type LoginRequest,
  type Owner,
  type Push,
  type RegisterRequest,
  type Response,
  decodeRequest,
} from '../../lib/coordinator/protocol.js';
import { issueHostCertificate } from '../../lib/crypto/pki.js';
import { issueTicket } from '../../lib/crypto/tickets.js';
import { heartbeatTimeout } from '../../operators/heartbeat-timeout.js';
import type { Accounts } from './accounts.js';
import { createAuthenticator } from './authenticator.js';
import type { Authority } from './authority.js';
import { checkHostId } from './host-ids.js';
import { sortLeaseClaims } from './lease-claims.js';
import { pickHost } from './placement.js';
import { createSerialQueue } from './serial-queue.js';
import { type CoordinatorStore, type HostRecord, type Lease, nextLease } from './store.js';

/** Emits once the I/O already queued has been read: setImmediate runs after the event loop's poll phase. */
const afterPendingIo$ = new Observable<void>((subscriber) => {
  const handle = setImmediate(() => {
    subscriber.next();
    subscriber.complete();
  });
  return () => clearImmediate(handle);
});

/** One control connection (a player or a host), as the transport hands it over. */
export interface Connection {
  readonly id: string;
  readonly address: string;
  /** Text messages; completes or errors when the socket closes. */
  readonly messages$: Observable<string>;
  readonly send: (message: Response | Push) => void;
  readonly close: (code: number, reason: string) => void;
  /** Called once the peer has logged in or registered: the transport stops counting it against its budgets. */
  readonly authenticated?: () => void;
}

/** Requests one connection may have under way at once; more are refused (ERR_RATE_LIMITED) without a turn. */
const MAX_REQUESTS_IN_FLIGHT = 16;

export interface CoordinatorDeps {
  readonly store: CoordinatorStore;
  readonly authority: Authority;
  readonly accounts: Accounts;
  /** The VPS's shared secret; null refuses every VPS registration. */
  readonly serviceKey: string | null;
  readonly config: Config;
  readonly scheduler?: SchedulerLike;
  /** Emits once after the I/O queued now has been read (setImmediate); specs in virtual time pass `of(0)`. */
  readonly nextIoTurn$?: Observable<unknown>;
}

/** What the coordinator did, for logs and tests. */
export type CoordinatorEvent =
  | {
      readonly event: 'host.registered';
      readonly hostId: string;
      readonly kind: string;
      readonly maps: readonly string[];
      readonly leases: readonly HeldLease[];
    }
  | { readonly event: 'host.lost'; readonly hostId: string; readonly reason: string }
  | {
      readonly event: 'map.assigned';
      readonly map: string;
      readonly owner: string;
      readonly epoch: number;
      readonly player: string;
    }
  | {
      readonly event: 'map.moved';
      readonly map: string;
      readonly from: string | null;
      readonly to: string | null;
      readonly epoch: number;
    }
  | { readonly event: 'lease.revoked'; readonly map: string; readonly hostId: string; readonly epoch: number }
  | {
      readonly event: 'lease.refused';
      readonly map: string;
      readonly hostId: string;
      readonly epoch: number;
      readonly code: 'ERR_LEASE_UNKNOWN';
      readonly message: string;
    }
  | {
      readonly event: 'host.reported';
      readonly map: string;
      readonly hostId: string;
      readonly code: string;
      readonly player: string;
    }
  | {
      readonly event: 'request.refused';
      readonly connection: string;
      readonly code: string;
      readonly message: string;
    };

/** Who is on a connection: a logged-in player or a registered host. Lives and dies with the socket. */
interface Peer {
  readonly connection: Connection;
  player: string | null;
  host: string | null;
  readonly heartbeats: Subject<void>;
  inFlight: number;
}

/**
 * The coordinator (DESIGN §1, §4, §6): accounts, host registry and certificates, map assignment under leases
 * with epochs, tickets, and pushes. Takes the stream of control connections and emits what it did. Every
 * request is answered or refused with a code; state changes go through the store one at a time.
 *
 * A host is dead when its control connection closes (at once) or its heartbeats stop for HeartbeatTimeoutMS;
 * its maps then move to the VPS under epoch + 1, and every subscribed client gets `map.moved`.
 */
export const runCoordinator = (
  connections$: Observable<Connection>,
  deps: CoordinatorDeps,
): Observable<CoordinatorEvent> =>
  defer(() => {
    const { store, authority, config } = deps;
    const scheduler = deps.scheduler ?? asyncScheduler;
    const nextIoTurn$ = deps.nextIoTurn$ ?? afterPendingIo$;
    const settings = config.P2P_COORDINATOR;
    const serial = createSerialQueue();
    const events$ = new Subject<CoordinatorEvent>();
    const peers = new Map<string, Peer>();
    const authenticate = createAuthenticator({ ...deps, settings, now: () => scheduler.now() });

    const ownerOf = (host: HostRecord): Owner => ({ id: host.id, url: host.url, kind: host.kind });
    const ticketFor = (player: string, map: string, host: string, mapEpoch: number) =>
      issueTicket(authority.ticketKeys.privateKey, {
        player,
        map,
        host,
        mapEpoch,
        validitySeconds: config.P2P_SECURITY.TokenValiditySeconds,
        now: scheduler.now(),
      });
    const pushToHost = (hostId: string, push: Push) => {
      for (const peer of peers.values()) if (peer.host === hostId) peer.connection.send(push);
    };
    const liveVps = (hosts: readonly HostRecord[], except?: string) =>
      hosts.find((h) => h.kind === 'vps' && h.alive && h.id !== except);

    // ---- moves ------------------------------------------------------------------------------------------------

    /**
     * Grants `map` to `owner` (or to nobody) under the next epoch: the new owner is told whose checkpoints to
     * restore from (the last owner that held it, whatever came between), and so is the store, durably, before
     * anyone hears of it: an epoch once granted is never granted again.
     */
    const grant = async (lease: Lease | undefined, map: string, owner: HostRecord | undefined) => {
      const next = nextLease(lease, map, owner?.id ?? null);
      await store.putLease(next);
      if (owner !== undefined)
        pushToHost(owner.id, {
          push: 'lease.granted',
          map,
          epoch: next.epoch,
          restore: next.previous != null,
          from: next.previous?.owner ?? null,
          fromEpoch: next.previous?.epoch ?? null,
        });
      return next;
    };

    /** Where a map goes when its owner is lost: the VPS (another one, if the VPS was lost), else a P2P host. */
    const fallbackOwner = (hosts: readonly HostRecord[], map: string, lost: string | null) =>
      liveVps(hosts, lost ?? undefined) ??
      (config.P2P_NETWORK.EnableP2P
        ? pickHost(
            hosts.filter((h) => h.id !== lost),
            map,
          )
        : undefined);

    /**
     * Moves a lease off its owner (to `target`, by default the fallback, or to nobody) under epoch + 1, telling
     * every subscribed player: they all carry bundles the new owner restores from, and all must be told.
     */
    const moveLease = async (
      lease: Lease,
      hosts: readonly HostRecord[],
      target = fallbackOwner(hosts, lease.map, lease.owner),
    ): Promise<number> => {
      const { epoch } = await grant(lease, lease.map, target);
      events$.next({ event: 'map.moved', map: lease.map, from: lease.owner, to: target?.id ?? null, epoch });
      for (const connectionId of await store.subscribers(lease.map)) {
        const peer = peers.get(connectionId);
        if (peer?.player == null) continue;
        const ticket =
          target === undefined ? null : await ticketFor(peer.player, lease.map, target.id, epoch);
        peer.connection.send({
          push: 'map.moved',
          map: lease.map,
          epoch,
          owner: target === undefined ? null : ownerOf(target),
          ticket,
        });
      }
      return epoch;
    };

    /**
     * Maps left without an owner (their owner died when no one could take them) that a live server can take now:
     * moved to it, and their clients told. Runs whenever a server registers, so no map waits for a new player to
     * ask for it while a host or VPS that can serve it is alive.
     */
    const placeOrphans = async () => {
      const hosts = await store.listHosts();
      for (const lease of await store.listLeases())
        if (lease.owner === null && fallbackOwner(hosts, lease.map, null) !== undefined)
          await moveLease(lease, hosts);
    };

    const hostLost = (hostId: string, connectionId: string, reason: string) =>
      serial(async () => {
        const host = await store.getHost(hostId);
        if (host === undefined || !host.alive || host.connection !== connectionId) return;
        await store.putHost({ ...host, alive: false });
        events$.next({ event: 'host.lost', hostId, reason });
        const hosts = await store.listHosts();
        for (const lease of await store.listLeases())
          if (lease.owner === hostId) await moveLease(lease, hosts);
      });

    // ---- requests ---------------------------------------------------------------------------------------------

    const login = async (peer: Peer, request: LoginRequest) => {
      const account = await authenticate.player(peer.connection.address, request.name, request.password);
      peer.player = account.name;
      peer.connection.authenticated?.();
      return {
        player: account.name,
        caCertificate: authority.ca.certificatePem,
        ticketPublicKey: authority.ticketPublicKeyPem,
      };
    };

    /**
     * Within RestartGraceMS of start, a map without a lease may still have an owner that has not re-announced
     * it yet (the coordinator restarted): wait for it rather than issue a second lease under a reused epoch.
     */
    const startedAt = scheduler.now();
    const awaitReannounce = async (map: string) => {
      const remaining = startedAt + settings.RestartGraceMS - scheduler.now();
      if (remaining <= 0) return;
      const lease = await store.getLease(map);
      // Only a lease the store holds can be re-announced: one whose owner is back (or that has none) needs no wait.
      if (lease === undefined || lease.owner === null || (await store.getHost(lease.owner))?.alive === true)
        return;
      const reannounced$ = events$.pipe(
        filter((e) => e.event === 'host.registered' && e.leases.some((l) => l.map === map)),
      );
      await firstValueFrom(race(reannounced$, timer(remaining, scheduler)));
    };

    /**
     * After a restart, leases kept in the store whose owner has not come back within RestartGraceMS: their owner
     * died during the outage. They move under a new epoch like any lost owner's (restored from the bundles).
     */
    const moveUnclaimed = () =>
      serial(async () => {
        const hosts = await store.listHosts();
        for (const lease of await store.listLeases()) {
          const owner = lease.owner === null ? undefined : hosts.find((h) => h.id === lease.owner);
          if (lease.owner !== null && owner?.alive !== true) {
            events$.next({ event: 'host.lost', hostId: lease.owner, reason: 'not back after a restart' });
            await moveLease(lease, hosts);
          }
        }
      });

    const assign = async (peer: Peer, request: AssignRequest): Promise<Assignment> => {
      const player = peer.player;
      if (player === null) throw p2pError('ERR_NOT_LOGGED_IN', 'log in before asking for a map');
      await awaitReannounce(request.map);
      return serial(async () => {
        const hosts = await store.listHosts();
        const lease = await store.getLease(request.map);
        // A map with a lease is known even when no host lists it (the VPS holds maps it offers none of).
        const known =
          lease !== undefined ||
          settings.Maps.includes(request.map) ||
          hosts.some((h) => h.maps.includes(request.map));
        if (!known) throw p2pError('ERR_MAP_UNKNOWN', `no host offers map ${request.map}`);
        const current = lease?.owner == null ? undefined : hosts.find((h) => h.id === lease.owner && h.alive);
        const vps = liveVps(hosts);
        let owner = current;
        let epoch = lease?.epoch ?? 0;
        if (owner === undefined) {
          owner =
            (config.P2P_NETWORK.EnableP2P ? pickHost(hosts, request.map, request.latencies) : undefined) ??
            vps;
          if (owner === undefined)
            throw p2pError('ERR_NO_HOST', `no live host or VPS can serve map ${request.map}`);
          // A map that had an owner moves: its other players hear of it too, not only the one asking.
          epoch =
            lease === undefined
              ? (await grant(lease, request.map, owner)).epoch
              : await moveLease(lease, hosts, owner);
        }
        await store.subscribe(request.map, peer.connection.id);
        events$.next({ event: 'map.assigned', map: request.map, owner: owner.id, epoch, player });
        const fallback = vps === undefined || vps.id === owner.id ? null : vps;
        return {
          map: request.map,
          epoch,
          owner: ownerOf(owner),
          ticket: await ticketFor(player, request.map, owner.id, epoch),
          vps:
            fallback === null
              ? null
              : { ...ownerOf(fallback), ticket: await ticketFor(player, request.map, fallback.id, epoch) },
        };
      });
    };

    const register = async (peer: Peer, request: RegisterRequest) => {
      const owner = await authenticate.registrant(peer.connection.address, request);
      const { certificate, kept, revoked, refused } = await serial(async () => {
        // The id first: a certificate naming another account's host is never issued.
        const { free } = await checkHostId(store, request.hostId, owner, settings.MaxHostIdsPerAccount);
        const certificate = issueHostCertificate(authority.ca, request.csr, {
          hostId: request.hostId,
          validitySeconds: settings.CertificateValiditySeconds,
          now: scheduler.now(),
        });
        if (either.isLeft(certificate)) throw certificate.left;
        const existing = await store.getHost(request.hostId);
        if (
          existing?.alive === true &&
          existing.connection !== peer.connection.id &&
          peers.has(existing.connection)
        ) {
          throw p2pError(
            'ERR_HOST_DUPLICATE',
            `host ${request.hostId} is already registered on another connection`,
          );
        }
        if (free) await store.bindHostId(request.hostId, owner);
        await store.putHost({
          id: request.hostId,
          kind: request.role,
          url: request.url,
          maps: request.maps,
          capacity: request.capacity,
          load: 0,
          alive: true,
          connection: peer.connection.id,
        });
        // Pushes from here on reach it (its agent keeps the ones that come before this answer).
        peer.host = request.hostId;
        peer.connection.authenticated?.();
        const claims = await sortLeaseClaims(store, request.hostId, request.leases);
        await placeOrphans();
        return { certificate: certificate.right, ...claims };
      });
      peer.heartbeats.next();
      for (const lease of [...revoked, ...refused]) peer.connection.send({ push: 'lease.revoked', ...lease });
      for (const { map, epoch } of revoked)
        events$.next({ event: 'lease.revoked', map, hostId: request.hostId, epoch });
      for (const { map, epoch } of refused)
        events$.next({
          event: 'lease.refused',
          map,
          hostId: request.hostId,
          epoch,
          code: 'ERR_LEASE_UNKNOWN',
          message: `host ${request.hostId} claimed ${map} under epoch ${epoch}, which it was never granted`,
        });
      events$.next({
        event: 'host.registered',
        hostId: request.hostId,
        kind: request.role,
        maps: request.maps,
        leases: kept,
      });
      return {
        certificate,
        caCertificate: authority.ca.certificatePem,
        ticketPublicKey: authority.ticketPublicKeyPem,
        leases: kept,
      };
    };

    const updateHost = (peer: Peer, change: Partial<Pick<HostRecord, 'maps' | 'capacity' | 'load'>>) => {
      const hostId = peer.host;
      if (hostId === null) throw p2pError('ERR_NOT_LOGGED_IN', 'register as a host first');
      return serial(async () => {
        const host = await store.getHost(hostId);
        if (host?.alive === true && host.connection === peer.connection.id)
          await store.putHost({ ...host, ...change });
      });
    };

    const announce = async (peer: Peer, request: AnnounceRequest) => {
      await updateHost(peer, { maps: request.maps, capacity: request.capacity });
      return {};
    };

    const handle = (peer: Peer, request: CoordinatorRequest): Promise<unknown> => {
      switch (request.type) {
        case 'login':
          return login(peer, request);
        case 'assign':
          return assign(peer, request);
        case 'register':
          return register(peer, request);
        case 'announce':
          return announce(peer, request);
        case 'heartbeat':
          peer.heartbeats.next();
          return updateHost(peer, { load: request.load });
        case 'report': {
          if (peer.player === null) throw p2pError('ERR_NOT_LOGGED_IN', 'log in before reporting a host');
          events$.next({
            event: 'host.reported',
            map: request.map,
            hostId: request.hostId,
            code: request.code,
            player: peer.player,
          });
          return Promise.resolve({});
        }
      }
    };

    const refuse = (peer: Peer, id: number | null, error: P2PError) => {
      peer.connection.send({ id, ok: false, error: { code: error.code, message: error.message } });
      events$.next({
        event: 'request.refused',
        connection: peer.connection.id,
        code: error.code,
        message: error.message,
      });
    };

    /**
     * One message, answered or refused with a code; never rejects, whatever the message or the handling throws, so
     * no message ends its connection's stream, let alone the coordinator's.
     */
    const onMessage = async (peer: Peer, text: string) => {
      let id: number | null = null;
      try {
        const decoded = decodeRequest(text, settings.MaxMessageBytes);
        if (either.isLeft(decoded)) {
          refuse(peer, decoded.left.id, decoded.left.error);
          return;
        }
        const request = decoded.right;
        // By the codec, not by the object: a heartbeat may carry any `id` (codecs keep unknown keys), never answered.
        id = request.type === 'heartbeat' ? null : request.id;
        if (peer.inFlight >= MAX_REQUESTS_IN_FLIGHT)
          throw p2pError('ERR_RATE_LIMITED', `more than ${MAX_REQUESTS_IN_FLIGHT} requests under way`);
        peer.inFlight++;
        try {
          const result = await handle(peer, request);
          if (id !== null) peer.connection.send({ id, ok: true, result });
        } finally {
          peer.inFlight--;
        }
      } catch (error) {
        try {
          refuse(peer, id, toP2PError(error, 'ERR_REQUEST_MALFORMED'));
        } catch {
          // The socket is gone: nobody is left to answer.
        }
      }
    };

    // ---- connections ------------------------------------------------------------------------------------------

    const serve = (connection: Connection): Observable<never> => {
      const peer: Peer = {
        connection,
        player: null,
        host: null,
        heartbeats: new Subject<void>(),
        inFlight: 0,
      };
      peers.set(connection.id, peer);
      // A registered host (its first heartbeat is its registration) that then stays silent for
      // HeartbeatTimeoutMS is dead, like one whose socket closed.
      const watchdog = peer.heartbeats
        .pipe(
          take(1),
          switchMap(() =>
            peer.heartbeats.pipe(
              heartbeatTimeout({ timeoutMs: settings.HeartbeatTimeoutMS, scheduler }),
              // The verdict waits one turn of I/O: a coordinator that was itself frozen (SIGSTOP, a swapped-out
              // VM) runs its overdue timers before it reads the heartbeats queued on its sockets meanwhile, and
              // would declare every host dead. A heartbeat read in that turn keeps the host alive and re-arms the
              // watch at once (inside the switchMap, so the resubscription starts a new timeout).
              retry({
                delay: (error: unknown) =>
                  race(
                    peer.heartbeats.pipe(take(1)),
                    nextIoTurn$.pipe(mergeMap(() => throwError(() => error))),
                  ),
              }),
            ),
          ),
        )
        .subscribe({
          error: () => {
            if (peer.host !== null) void hostLost(peer.host, connection.id, 'heartbeat timeout');
            connection.close(4000, 'heartbeat timeout');
          },
        });
      return connection.messages$.pipe(
        // A socket error ends that connection, never the coordinator.
        catchError(() => EMPTY),
        mergeMap((text) => from(onMessage(peer, text))),
        ignoreElements(),
        finalize(() => {
          watchdog.unsubscribe();
          peers.delete(connection.id);
          if (peer.host !== null && !stopping)
            void hostLost(peer.host, connection.id, 'control connection closed');
          void serial(() => store.unsubscribeAll(connection.id));
        }),
      );
    };

    const afterGrace$ = timer(settings.RestartGraceMS, scheduler).pipe(
      mergeMap(() => from(moveUnclaimed())),
      ignoreElements(),
    );
    // Unsubscribed first (merge tears its sources down in order): a coordinator that stops closes every socket, and
    // must not take that for every host lost, moving each map to nobody under a new epoch it would keep on disk.
    let stopping = false;
    const stop$ = new Observable<never>(() => () => {
      stopping = true;
    });
    return merge(stop$, events$, afterGrace$, connections$.pipe(mergeMap(serve)));
  });
