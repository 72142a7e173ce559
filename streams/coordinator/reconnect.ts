import type { MonoTypeOperatorFunction, SchedulerLike } from 'rxjs';
import { type P2PError, isSecurityError, toP2PError } from '../../lib/errors.js';
import { retryBackoff } from '../../operators/retry-backoff.js';

export interface ReconnectConfig {
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * How an agent stays with the coordinator: reconnect forever with doubling backoff, announcing each attempt as
 * a `disconnected` event, with the full budget back once `connected` says a session works. A refusal that is a
 * security error (credentials, role, CSR) is final: it errors the stream.
 */
export const reconnectToCoordinator = <T>(
  config: ReconnectConfig,
  connected: (event: T) => boolean,
  disconnected: (attempt: number, error: P2PError) => T,
): MonoTypeOperatorFunction<T> =>
  retryBackoff<T>({
    count: Number.POSITIVE_INFINITY,
    delayMs: config.reconnectDelayMs,
    factor: 2,
    maxDelayMs: config.maxReconnectDelayMs,
    shouldRetry: (error) => !isSecurityError(error),
    retrying: (attempt, error) => disconnected(attempt, toP2PError(error)),
    resetOn: connected,
    ...(config.scheduler === undefined ? {} : { scheduler: config.scheduler }),
  });
