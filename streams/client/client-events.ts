import { type Observable, type SchedulerLike, mergeMap, scan, share, withLatestFrom } from 'rxjs';
import type { SyncError } from '../../lib/sync/sync-state.js';
import type { Logger } from '../log/logger.js';
import { type ConnectionStatus, P2PConnectionState, type StatusEvent } from './connection-state.js';
import { type LatencyAlarm, type MetricsSnapshot, updateLatencyAlarm } from './metrics.js';

/** What the client reports, one value per happening (the CLI prints these with `--json`). */
export type ClientEvent =
  | { readonly type: 'state'; readonly status: ConnectionStatus }
  | { readonly type: 'sync_error'; readonly error: SyncError }
  | { readonly type: 'restored'; readonly server: string | null; readonly tick: number; readonly ms: number }
  | {
      readonly type: 'failover';
      readonly reason: 'error' | 'moved' | 'forced';
      readonly from: string;
      readonly to: string | null;
      readonly code: string | null;
    }
  | { readonly type: 'retrying'; readonly server: string; readonly attempt: number; readonly code: string }
  /** The VPS could not be reached during a failover; the client keeps trying with backoff. */
  | {
      readonly type: 'vps_unreachable';
      readonly server: string;
      readonly attempt: number;
      readonly code: string;
    }
  | { readonly type: 'error'; readonly code: string; readonly message: string }
  | { readonly type: 'rejected'; readonly code: string }
  | { readonly type: 'latency_high'; readonly smoothedMs: number; readonly limitMs: number }
  | { readonly type: 'latency_ok'; readonly smoothedMs: number | null }
  | { readonly type: 'debug'; readonly on: boolean };

/** Latency over MaxLatencyMS for this long raises `latency_high`. */
export const LATENCY_SUSTAIN_MS = 5_000;

/** A restore ends the first full state after a failover began: `restored`, with how long the failover took. */
export const restoredEvents = (
  link$: Observable<StatusEvent>,
  status$: Observable<ConnectionStatus>,
  scheduler: SchedulerLike,
): Observable<ClientEvent> =>
  link$.pipe(
    withLatestFrom(status$),
    scan(
      (
        acc: { since: number | null; event: ClientEvent | null },
        [event, status],
      ): { since: number | null; event: ClientEvent | null } => {
        if (event.type === 'failing-over') return { since: scheduler.now(), event: null };
        if (acc.since !== null && event.type === 'message' && event.message.kind === 'full_state')
          return {
            since: null,
            event: {
              type: 'restored',
              server: status.server?.id ?? null,
              tick: event.message.tick,
              ms: scheduler.now() - acc.since,
            },
          };
        return { since: acc.since, event: null };
      },
      { since: null, event: null },
    ),
    mergeMap((acc) => (acc.event === null ? [] : [acc.event])),
    share(),
  );

/** `latency_high` once smoothed latency has been over the limit for LATENCY_SUSTAIN_MS; `latency_ok` after. */
export const latencyAlarms = (
  metrics$: Observable<MetricsSnapshot>,
  maxLatencyMs: number,
  scheduler: SchedulerLike,
): Observable<ClientEvent> =>
  metrics$.pipe(
    scan(
      (acc: { alarm: LatencyAlarm; event: ClientEvent | null }, snapshot) => {
        const smoothed = snapshot.latency.smoothedMs;
        const alarm = updateLatencyAlarm(acc.alarm, smoothed, scheduler.now(), {
          maxLatencyMs,
          sustainMs: LATENCY_SUSTAIN_MS,
        });
        const event: ClientEvent | null =
          alarm.raised && !acc.alarm.raised && smoothed !== null
            ? { type: 'latency_high', smoothedMs: smoothed, limitMs: maxLatencyMs }
            : !alarm.raised && acc.alarm.raised
              ? { type: 'latency_ok', smoothedMs: smoothed }
              : null;
        return { alarm, event };
      },
      { alarm: { overSince: null, raised: false }, event: null },
    ),
    mergeMap((acc) => (acc.event === null ? [] : [acc.event])),
  );

/** What the link's events mean to the caller: failovers, retries (or an unreachable VPS), errors, rejections. */
export const linkClientEvents = (
  link$: Observable<StatusEvent>,
  status$: Observable<ConnectionStatus>,
): Observable<ClientEvent> =>
  link$.pipe(
    withLatestFrom(status$),
    mergeMap(([event, status]): ClientEvent[] => {
      switch (event.type) {
        case 'failing-over':
          return [
            {
              type: 'failover',
              reason: event.reason,
              from: event.from.id,
              to: event.to?.id ?? null,
              code: event.error?.code ?? null,
            },
          ];
        case 'back-to-host':
          return [
            { type: 'retrying', server: event.server.id, attempt: event.attempt, code: event.error.code },
          ];
        case 'retrying':
          return [
            {
              type: status.state === P2PConnectionState.FAILING_OVER ? 'vps_unreachable' : 'retrying',
              server: event.server.id,
              attempt: event.attempt,
              code: event.error.code,
            },
          ];
        case 'failed':
          return [{ type: 'error', code: event.error.code, message: event.error.message }];
        case 'rejected':
          return [{ type: 'rejected', code: event.error.code }];
        default:
          return [];
      }
    }),
  );

export const describeStatus = (status: ConnectionStatus): string =>
  [
    status.state,
    status.server === null ? null : `${status.server.kind} ${status.server.id}`,
    status.map === null ? null : `map ${status.map}`,
  ]
    .filter((part) => part !== null)
    .join(' ');

/** Every state change, failover, rejection and threshold breach is a log event (DESIGN §7). */
export const logClientEvent = (logger: Logger, event: ClientEvent): void => {
  const { type, ...data } = event;
  const level =
    type === 'error'
      ? 'error'
      : ['sync_error', 'failover', 'vps_unreachable', 'rejected', 'latency_high'].includes(type)
        ? 'warn'
        : 'info';
  logger.log(level, type, { component: 'client', ...data });
};
