import { type SchedulerLike, Subject, type Subscription } from 'rxjs';
import type { WebSocket } from 'ws';
import { type P2PError, p2pError } from '../../lib/errors.js';
import { createRateBudget } from '../../operators/rate-budget.js';
import { rejectionBudget } from '../../operators/rejection-budget.js';
import { pingsPerSecond } from '../session/budget-gate.js';
import type { SessionSettings } from '../session/settings.js';

export interface ControlFramesConfig {
  readonly settings: Pick<SessionSettings, 'budgets' | 'timeoutMs' | 'maxRejections' | 'rejectWindowMs'>;
  readonly scheduler: SchedulerLike;
  /** Ends the connection (ERR_TOO_MANY_REJECTIONS). */
  readonly cut: (error: P2PError) => void;
}

/**
 * WebSocket ping and pong frames on a host's socket, from its upgrade on (issue 17: a burst of 6.5 M on one
 * connection was answered for 27 s). They are no part of warp-p2p's protocol, whose pings ride the channel, so none
 * is answered (the server runs with ws's autoPong off), and they share the ping budget (`MaxPingsPerSecond`): each
 * one past it is a rejected frame, and past `MaxRejectedFrames` of those within `RejectWindowMS` the connection is
 * cut with ERR_TOO_MANY_REJECTIONS. Unsubscribing stops listening.
 */
export const guardControlFrames = (socket: WebSocket, config: ControlFramesConfig): Subscription => {
  const { settings, scheduler } = config;
  const withinBudget = createRateBudget({ max: pingsPerSecond(settings), windowMs: 1000, scheduler });
  const rejected$ = new Subject<P2PError>();
  const subscription = rejected$
    .pipe(rejectionBudget({ max: settings.maxRejections, windowMs: settings.rejectWindowMs, scheduler }))
    .subscribe({ error: config.cut });
  const onControlFrame = () => {
    if (!withinBudget())
      rejected$.next(p2pError('ERR_RATE_LIMITED', 'WebSocket control frame past MaxPingsPerSecond'));
  };
  socket.on('ping', onControlFrame);
  socket.on('pong', onControlFrame);
  subscription.add(() => {
    socket.off('ping', onControlFrame);
    socket.off('pong', onControlFrame);
    rejected$.complete();
  });
  return subscription;
};
