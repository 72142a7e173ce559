import { map } from 'rxjs';
import type { FullStateMessage } from '../../../lib/protocol/control-codecs.js';
import { type SyncSource, syncManager } from '../../../streams/client/sync-manager.js';
import { testScheduler } from '../../support/marbles.js';

const fullState: FullStateMessage = {
  kind: 'full_state',
  tick: 3,
  lastInput: 0,
  hash: '0000000000000000',
  entities: [],
  players: {},
};
const SOURCES: Record<string, SyncSource> = {
  c: { type: 'connected', connected: true },
  d: { type: 'connected', connected: false },
  f: { type: 'message', message: fullState },
  m: { type: 'move', dx: 1, dy: 0 },
};

describe('syncManager', () => {
  it('should raise TIMEOUT updateTimeoutMs after the last update, only while connected', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const sources = hot<SyncSource>('c-f 3ms m 4ms f 13ms df', SOURCES);
      const errors = sources.pipe(
        syncManager({ player: 'ann', settings: { ringSize: 4, conflictThreshold: 2 }, updateTimeoutMs: 10 }),
        map((step) => step.errors.map((e) => e.type).join() || step.out.map((m) => m.kind).join()),
      );
      // f at 2, m at 6, f at 11: TIMEOUT at 21 (10 ms after the last update; moves do not count). After the
      // disconnect at 25, the full state at 26 starts no timer.
      expectObservable(errors, '^ 50ms !').toBe('--a 3ms i 4ms a 9ms T 4ms a', {
        a: 'ack',
        i: 'input',
        T: 'TIMEOUT',
      });
    });
  });

  it('should start over on reset', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const sources = hot<SyncSource>('m-m-r-m', { ...SOURCES, r: { type: 'reset' } });
      const seqs = sources.pipe(
        syncManager({ player: 'ann', settings: { ringSize: 4, conflictThreshold: 2 }, updateTimeoutMs: 10 }),
        map((step) => step.state.lastSeq),
      );
      expectObservable(seqs).toBe('a-b-c-a', { a: 1, b: 2, c: 0 });
    });
  });
});
