import { playFor, sleep, useCluster } from './support/hooks.js';
import { expectInvariants } from './support/invariants.js';

/** Longer than the shipped HeartbeatTimeoutMS (3000). */
const FREEZE_MS = 5000;

describe('a frozen coordinator (SIGSTOP for longer than HeartbeatTimeoutMS, then SIGCONT), in network namespaces', function () {
  this.timeout(60_000);
  const cluster = useCluster();

  // Failed before: on waking, the coordinator's heartbeat watchdogs fired before it read the heartbeats queued on
  // its sockets, so it declared every host dead, the VPS among them, and moved both maps to nobody; a map moved to
  // nobody got no owner until a new player asked for it; and a host whose sessions then closed heartbeat a negative
  // load (its count restarted at each registration), refused as malformed.
  it('should leave every map with one owner and every client playing on it', async () => {
    const c = cluster();
    c.fleet.walk();
    await playFor(c, 30);

    c.coordinator.signal('SIGSTOP');
    await sleep(FREEZE_MS);
    c.coordinator.signal('SIGCONT');

    await expectInvariants(c);
  });
});
