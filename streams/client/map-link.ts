import {
  EMPTY,
  type Observable,
  type SchedulerLike,
  catchError,
  concat,
  defer,
  filter,
  map,
  mergeMap,
  mergeWith,
  of,
  switchMap,
  take,
  throwError,
  timeout,
} from 'rxjs';
import type { Assignment } from '../../lib/coordinator/protocol.js';
import { isEndedError, isSecurityError, isStaleCredentials, p2pError, toP2PError } from '../../lib/errors.js';
import type { RestoreMessage } from '../../lib/protocol/control-codecs.js';
import type { Message } from '../../lib/protocol/messages.js';
import { type FailoverCause, failover } from '../../operators/failover.js';
import { retryBackoff } from '../../operators/retry-backoff.js';
import type { LinkEvent, Server } from './connection-state.js';
import type { Connector, Target } from './connector.js';

/** Why to leave the host now: a `map.moved` push naming the VPS (with its ticket), or `/p2p failover`. */
export type LeaveHost = { readonly reason: 'moved'; readonly target: Target } | { readonly reason: 'forced' };

export interface MapLinkConfig {
  readonly assignment: Assignment;
  /** The map moved to this owner from another: it restores the world from the bundles its players bring. */
  readonly takenOver?: boolean;
  /** The coordinator's CA (PEM), from the login. */
  readonly ca: string;
  readonly connect: Connector;
  /** The newest ticket for each server (by id): a connection takes the one current when it starts. */
  readonly tickets$: Observable<ReadonlyMap<string, string>>;
  /** Asks the coordinator for fresh tickets (after one was refused as expired). */
  readonly renew: () => void;
  /** How long to wait for fresh tickets before giving the refusal to the retries. */
  readonly renewTimeoutMs: number;
  /** Inputs, acks and resync requests for whichever server is connected. */
  readonly outbox$: Observable<Message>;
  /** The restore bundle as of now (taken on each VPS connection), or null. */
  readonly bundle: () => RestoreMessage | null;
  /** `MaxRetries` and `ReconnectDelay`: how the host is retried before failing over. */
  readonly maxRetries: number;
  readonly reconnectDelayMs: number;
  /** The VPS is retried for ever, the delay doubling up to this. */
  readonly maxReconnectDelayMs: number;
  readonly leave$: Observable<LeaveHost>;
  /** `/p2p reconnect`: drops the current connection; it is retried like a lost one. */
  readonly reconnect$: Observable<unknown>;
  readonly scheduler?: SchedulerLike;
}

const serverOf = (owner: Assignment['owner']): Server => ({ kind: owner.kind, id: owner.id, url: owner.url });

/**
 * One map's connection, with the failover of DESIGN §6 as operators: connect to the owner; on a lost
 * connection retry it `maxRetries` times `reconnectDelayMs` apart (`retryBackoff`), then fail over to the VPS
 * with the restore bundle (`failover`). A security error (a host that fails verification) is not retried: it
 * fails over at once. A `leave$` value (a `map.moved` push, `/p2p failover`) fails over without retries. The
 * VPS itself is retried with doubling backoff for ever, each attempt announced as `retrying`, except that a VPS
 * refusing a map the coordinator never moved (ERR_LEASE_REVOKED) sends the client back to the host.
 *
 * Each connection takes the newest ticket for its server. One refused as expired (ERR_TICKET_EXPIRED) is not the
 * server's fault: the link asks for fresh tickets, waits for them, and connects again with no retry spent.
 *
 * Errors when there is no VPS to fail over to (ERR_NO_HOST), when the VPS fails verification, and when a server
 * ends the session for good (ERR_SESSION_REPLACED: the same player connected again elsewhere).
 */
export const mapLink$ = (config: MapLinkConfig): Observable<LinkEvent> => {
  const scheduler = config.scheduler === undefined ? {} : { scheduler: config.scheduler };
  const ticketOf = (target: Target) =>
    config.tickets$.pipe(map((tickets) => tickets.get(target.server.id) ?? target.ticket));
  const connectWith = (target: Target, outbox$: Observable<Message>) =>
    ticketOf(target).pipe(
      take(1),
      switchMap((used) =>
        config
          .connect({ ...target, ticket: used }, outbox$)
          .pipe(
            catchError((error: unknown) =>
              isStaleCredentials(error)
                ? withFreshTicket(target, outbox$, used, error)
                : throwError(() => error),
            ),
          ),
      ),
    );
  const withFreshTicket = (target: Target, outbox$: Observable<Message>, used: string, refusal: unknown) =>
    defer(() => {
      config.renew();
      return ticketOf(target).pipe(
        filter((ticket) => ticket !== used),
        take(1),
        timeout({ first: config.renewTimeoutMs, with: () => throwError(() => refusal), ...scheduler }),
        switchMap((ticket) => config.connect({ ...target, ticket }, outbox$)),
      );
    });
  const attempt = (target: Target, outbox$: Observable<Message>): Observable<LinkEvent> =>
    concat(
      of<LinkEvent>({ type: 'connecting', server: target.server }),
      defer(() => connectWith(target, outbox$)),
    ).pipe(
      mergeWith(
        config.reconnect$.pipe(
          mergeMap(() =>
            throwError(() => p2pError('ERR_FORCED_RECONNECT', 'reconnect asked for (/p2p reconnect)')),
          ),
        ),
      ),
    );
  const retrying =
    (server: Server) =>
    (attempt: number, error: unknown): LinkEvent => ({
      type: 'retrying',
      server,
      attempt,
      error: toP2PError(error),
    });

  const vps = config.assignment.vps;
  const preissued: Target | null =
    vps === null
      ? null
      : { server: { kind: 'vps', id: vps.id, url: vps.url }, ticket: vps.ticket, ca: config.ca };

  /** `confirmed`: the coordinator said the VPS owns the map now, so a refusal from it can only be a race. */
  const onVps = (target: Target, withBundle: boolean, confirmed: boolean): Observable<LinkEvent> =>
    defer(() => {
      const bundle = withBundle ? config.bundle() : null;
      return attempt(target, concat(bundle === null ? EMPTY : of(bundle), config.outbox$));
    }).pipe(
      retryBackoff({
        count: Number.POSITIVE_INFINITY,
        delayMs: config.reconnectDelayMs,
        factor: 2,
        maxDelayMs: config.maxReconnectDelayMs,
        shouldRetry: (error) =>
          !isSecurityError(error) && !isEndedError(error) && (confirmed || !notTheOwner(error)),
        retrying: retrying(target.server),
        resetOn: (event) => event.type === 'established',
        ...scheduler,
      }),
    );

  const owner: Target = {
    server: serverOf(config.assignment.owner),
    ticket: config.assignment.ticket,
    ca: config.ca,
  };
  // A map the VPS owns already: nothing to fail over to. It restores from bundles only when it took the map over
  // from someone this client played with (the VPS before it died, say).
  if (owner.server.kind === 'vps') return onVps(owner, config.takenOver === true, true);

  const toVps = (cause: FailoverCause<LeaveHost>): Observable<LinkEvent> => {
    const target =
      cause.kind === 'trigger' && cause.trigger.reason === 'moved' ? cause.trigger.target : preissued;
    const announced: LinkEvent = {
      type: 'failing-over',
      reason: cause.kind === 'error' ? 'error' : cause.trigger.reason,
      error: cause.kind === 'error' ? cause.error : null,
      from: owner.server,
      to: target?.server ?? null,
    };
    return concat(
      of(announced),
      target === null
        ? throwError(() => p2pError('ERR_NO_HOST', `no VPS to fail over to for ${config.assignment.map}`))
        : onVps(target, true, cause.kind === 'trigger' && cause.trigger.reason === 'moved'),
    );
  };

  // A host that took the map over restores it from its players' bundles, as the VPS does.
  const hostOutbox$ = defer(() => {
    const bundle = config.takenOver === true ? config.bundle() : null;
    return bundle === null ? config.outbox$ : concat(of(bundle), config.outbox$);
  });
  const viaHost$ = defer(() =>
    attempt(owner, hostOutbox$).pipe(
      retryBackoff({
        count: config.maxRetries,
        delayMs: config.reconnectDelayMs,
        shouldRetry: (error) => !isSecurityError(error) && !isEndedError(error),
        retrying: retrying(owner.server),
        resetOn: (event) => event.type === 'established',
        ...scheduler,
      }),
      // A session the host ended on purpose (another session of this player replaced it) ends here.
      failover<LinkEvent, LinkEvent, LeaveHost>({
        to: toVps,
        trigger$: config.leave$,
        when: (error) => !isEndedError(error),
      }),
    ),
  );
  // The client gave up on the host by itself, and the VPS says it does not serve the map (ERR_LEASE_REVOKED):
  // the host still owns it (it was slow, not gone), so go back to it, with backoff, rather than wait for a
  // VPS that will never take the map.
  return viaHost$.pipe(
    retryBackoff({
      count: Number.POSITIVE_INFINITY,
      delayMs: config.reconnectDelayMs,
      factor: 2,
      maxDelayMs: config.maxReconnectDelayMs,
      shouldRetry: notTheOwner,
      retrying: (attempt, error): LinkEvent => ({
        type: 'back-to-host',
        server: owner.server,
        attempt,
        error: toP2PError(error),
      }),
      resetOn: (event) => event.type === 'established',
      ...scheduler,
    }),
  );
};

const notTheOwner = (error: unknown): boolean => toP2PError(error).code === 'ERR_LEASE_REVOKED';

/** Turns `map.moved` pushes for one map into `leave$` values (only moves to the VPS with a ticket count). */
export const movedToVps =
  (ca: string): ((push: { owner: Assignment['owner'] | null; ticket: string | null }) => LeaveHost[]) =>
  (push) =>
    push.owner?.kind === 'vps' && push.ticket !== null
      ? [{ reason: 'moved', target: { server: serverOf(push.owner), ticket: push.ticket, ca } }]
      : [];
