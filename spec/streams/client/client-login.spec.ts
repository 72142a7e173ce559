import { expect } from 'chai';
import { NEVER, config, map } from 'rxjs';
import { P2PError } from '../../../lib/errors.js';
import { type ClientEvent, createP2PClient } from '../../../streams/client/client.js';
import { testScheduler } from '../../support/marbles.js';

describe('createP2PClient', () => {
  describe('with a login the coordinator refuses', () => {
    it('should end the map DISCONNECTED with an ERR_AUTH_FAILED error event, and leave no error unhandled', () => {
      const refused = new P2PError('ERR_AUTH_FAILED', 'unknown account or wrong password');
      const unhandled: unknown[] = [];
      const events: ClientEvent[] = [];
      config.onUnhandledError = (error) => unhandled.push(error);
      try {
        const scheduler = testScheduler();
        scheduler.run(({ cold, expectObservable }) => {
          const client = createP2PClient(
            { coordinatorUrl: 'ws://coordinator', player: 'ann', password: 'wrong' },
            { scheduler, connect: () => NEVER, coordinator: () => cold('--#', {}, refused) },
          );
          client.events$.subscribe((event) => events.push(event));
          scheduler.schedule(() => client.loadMap('forest'), 1);
          scheduler.schedule(() => client.disconnect(), 100);
          const states$ = client.state$.pipe(map((status) => `${status.state} ${status.map ?? '-'}`));
          expectObservable(states$, '^ 200ms !').toBe('abc 97ms (d|)', {
            a: 'DISCONNECTED -',
            b: 'CONNECTING forest',
            c: 'DISCONNECTED forest',
            d: 'DISCONNECTED -',
          });
        });
      } finally {
        config.onUnhandledError = null;
      }
      expect(unhandled).to.deep.equal([]);
      expect(events).to.deep.include({
        type: 'error',
        code: 'ERR_AUTH_FAILED',
        message: 'unknown account or wrong password',
      });
    });
  });
});
