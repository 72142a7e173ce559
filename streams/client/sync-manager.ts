import {
  EMPTY,
  type Observable,
  type OperatorFunction,
  type SchedulerLike,
  asyncScheduler,
  distinctUntilChanged,
  filter,
  map,
  merge,
  mergeMap,
  scan,
  share,
  switchMap,
  timer,
} from 'rxjs';
import type { Message } from '../../lib/protocol/messages.js';
import {
  type SyncInput,
  type SyncSettings,
  type SyncStep,
  initialSync,
  syncReducer,
} from '../../lib/sync/sync-state.js';

/** What the sync manager listens to: the client's map, connection and messages, and the player's moves. */
export type SyncSource =
  /** A new map: start over. */
  | { readonly type: 'reset' }
  | { readonly type: 'established'; readonly certificate: string | null }
  | { readonly type: 'message'; readonly message: Message }
  | { readonly type: 'move'; readonly dx: number; readonly dy: number }
  /** Whether the connection state is CONNECTED: only then can updates be late. */
  | { readonly type: 'connected'; readonly connected: boolean };

export interface SyncManagerConfig {
  readonly player: string;
  readonly settings: SyncSettings;
  /** `UpdateTimeoutMS`: connected and synced, yet no update for this long, is a TIMEOUT. */
  readonly updateTimeoutMs: number;
  readonly scheduler?: SchedulerLike;
}

const isUpdate = (source: SyncSource) =>
  source.type === 'message' && (source.message.kind === 'delta' || source.message.kind === 'full_state');

/**
 * The sync manager (DESIGN §5) as an operator: folds the sources through the pure `syncReducer` and adds the
 * one thing that depends on time, the TIMEOUT: while connected, no update within `updateTimeoutMs` of the
 * previous one. The live client and `warp-p2p replay` both run it, so a recording replays exactly.
 */
export const syncManager =
  (config: SyncManagerConfig): OperatorFunction<SyncSource, SyncStep> =>
  (source$) => {
    const sources$ = source$.pipe(share());
    const reduce = syncReducer(config.settings);
    const timeouts$: Observable<SyncInput> = sources$.pipe(
      mergeMap((source) => (source.type === 'connected' ? [source.connected] : [])),
      distinctUntilChanged(),
      switchMap((connected) =>
        connected
          ? sources$.pipe(
              filter(isUpdate),
              switchMap(() => timer(config.updateTimeoutMs, config.scheduler ?? asyncScheduler)),
            )
          : EMPTY,
      ),
      map((): SyncInput => ({ type: 'timeout' })),
    );
    const inputs$ = sources$.pipe(
      mergeMap((source): (SyncInput | 'reset')[] => {
        switch (source.type) {
          case 'reset':
            return ['reset'];
          case 'established':
            return [{ type: 'connected', certificate: source.certificate }];
          case 'message':
            return [{ type: 'message', message: source.message }];
          case 'move':
            return [{ type: 'move', dx: source.dx, dy: source.dy }];
          case 'connected':
            return [];
        }
      }),
    );
    const initial = initialSync(config.player, config.settings);
    return merge(inputs$, timeouts$).pipe(
      scan(
        (step: SyncStep, input: SyncInput | 'reset') => (input === 'reset' ? initial : reduce(step, input)),
        initial,
      ),
    );
  };
