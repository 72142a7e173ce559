import { expect } from 'chai';
import { mergeMap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { MapEvent, MapRules } from '../../../lib/world/map-state.js';
import { DEFAULT_RULES, createWorld } from '../../../lib/world/world.js';
import { type MapHostEvent, mapHost$ } from '../../../streams/host/map-host.js';
import { type MapPeer, createMapRouter } from '../../../streams/host/map-router.js';
import { testScheduler } from '../../support/marbles.js';

const rules: MapRules = {
  map: 'forest',
  epoch: 1,
  world: DEFAULT_RULES,
  hashEvery: 2,
  checkpointEvery: 1000,
  historyTicks: 8,
  maxUnackedTicks: 4,
  sign: () => 'AAAA',
};

/** A tick as 'ticked' followed by one `player:kind:tick/baseTick` per send, so marbles show each send. */
const describeEvent = mergeMap((e: MapHostEvent): string[] =>
  e.type === 'ticked'
    ? [
        'ticked',
        ...e.out.map(({ player, message }) => {
          const base = message.kind === 'delta' ? message.baseTick : '-';
          return `${player}:${message.kind}:${'tick' in message ? message.tick : '-'}/${base}`;
        }),
      ]
    : [e.type],
);

describe('mapHost$', () => {
  it('should announce its start, tick on the scheduler, join at the next tick with a full state, then send deltas against the last tick sent', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const events = hot<MapEvent>('-j---------a---', {
        j: { type: 'join', player: 'ann' },
        a: { type: 'message', player: 'ann', message: { kind: 'ack', tick: 2 } },
      });
      const host$ = mapHost$(events, {
        rules,
        world: createWorld(DEFAULT_RULES),
        updateIntervalMs: 4,
        congested: () => new Set(),
      });
      expectObservable(host$.pipe(describeEvent), '^-------------!').toBe('s---(ta)(tb)(tc)', {
        a: 'ann:full_state:1/-',
        b: 'ann:delta:2/1',
        c: 'ann:delta:3/2',
        s: 'started',
        t: 'ticked',
      });
    });
  });

  it('should stall a client whose acks trail by more than maxUnackedTicks, and coalesce its next delta once it acks', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const events = hot<MapEvent>(`-j${'-'.repeat(32)}a`, {
        j: { type: 'join', player: 'ann' },
        a: { type: 'message', player: 'ann', message: { kind: 'ack', tick: 6 } },
      });
      const host$ = mapHost$(events, {
        rules,
        world: createWorld(DEFAULT_RULES),
        updateIntervalMs: 4,
        congested: () => new Set(),
      });
      // Ticks 2 to 6 go out unacknowledged (maxUnackedTicks 4); 7 and 8 are held; 9 covers them from 6.
      expectObservable(host$.pipe(describeEvent), `^${'-'.repeat(39)}!`).toBe(
        's---(ta)(tb)(tc)(td)(te)(tf)t---t---(tg)',
        {
          a: 'ann:full_state:1/-',
          b: 'ann:delta:2/1',
          c: 'ann:delta:3/2',
          d: 'ann:delta:4/3',
          e: 'ann:delta:5/4',
          f: 'ann:delta:6/5',
          g: 'ann:delta:9/6',
          s: 'started',
          t: 'ticked',
        },
      );
    });
  });

  it('should skip a congested client and coalesce its next delta against the last tick sent', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      let tick = 0;
      const congested = () => (++tick === 2 ? new Set(['ann']) : new Set<string>());
      const events = hot<MapEvent>('-j', { j: { type: 'join', player: 'ann' } });
      const host$ = mapHost$(events, {
        rules,
        world: createWorld(DEFAULT_RULES),
        updateIntervalMs: 4,
        congested,
      });
      expectObservable(host$.pipe(describeEvent), '^------------!').toBe('s---(ta)t---(tc)', {
        a: 'ann:full_state:1/-',
        c: 'ann:delta:3/1',
        s: 'started',
        t: 'ticked',
      });
    });
  });
});

describe('createMapRouter', () => {
  const peer = (backlog: () => number) => {
    const sent: string[] = [];
    const closed: string[] = [];
    const value: MapPeer = {
      send: (m) => sent.push(m.kind),
      bufferedAmount: backlog,
      close: (e) => closed.push(e.code),
    };
    return { value, sent, closed };
  };

  const settings = {
    rules: DEFAULT_RULES,
    updateIntervalMs: 5,
    hashEvery: 2,
    checkpointEvery: 1000,
    historyTicks: 8,
    maxUnackedTicks: 40,
    congestedBytes: 100,
    maxBacklogBytes: 1000,
    playerGraceMs: 50,
  };
  const virtualTime = () => {
    const scheduler = new TestScheduler(() => undefined);
    const runUntil = (frame: number) => {
      scheduler.maxFrames = frame;
      scheduler.flush();
    };
    return { scheduler, runUntil };
  };

  it('should give a congested client no frame and cut one past the backlog cap, leaving the others alone', () => {
    const { scheduler, runUntil } = virtualTime();
    const router = createMapRouter(settings, () => () => 'AAAA', scheduler);
    let backlog = 0;
    const slow = peer(() => backlog);
    const fast = peer(() => 0);
    router.attach('forest', 1, 'slow', slow.value);
    router.attach('forest', 1, 'fast', fast.value);
    runUntil(10);
    expect(slow.sent).to.deep.equal(['full_state', 'delta']);
    backlog = 500;
    runUntil(20);
    expect(slow.sent).to.have.length(2);
    expect(fast.sent).to.deep.equal(['full_state', 'delta', 'delta', 'delta']);
    backlog = 5000;
    runUntil(25);
    expect(slow.closed).to.deep.equal(['ERR_SLOW_CLIENT']);
    expect(fast.closed).to.deep.equal([]);
    expect(fast.sent).to.have.length(5);
    router.close();
  });

  it('should close the first session of a player who connects again with ERR_SESSION_REPLACED, and start the second from a full state', () => {
    const { scheduler, runUntil } = virtualTime();
    const router = createMapRouter(settings, () => () => 'AAAA', scheduler);
    const first = peer(() => 0);
    const second = peer(() => 0);
    const firstSession = router.attach('forest', 1, 'ann', first.value);
    runUntil(10);
    router.attach('forest', 1, 'ann', second.value);
    firstSession.detach(); // what the closed session does next: it must not take the player off the map
    runUntil(20);
    expect(first.closed).to.deep.equal(['ERR_SESSION_REPLACED']);
    expect(second.sent).to.deep.equal(['full_state', 'delta']);
    router.close();
  });
});

describe('mapHost$ checkpoints', () => {
  it('should send a checkpoint whole to a client new since the last one, and as changes to everyone else', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const events = hot<MapEvent>('-a-------b--------', {
        a: { type: 'join', player: 'ann' },
        b: { type: 'join', player: 'bob' },
      });
      const host$ = mapHost$(events, {
        rules: { ...rules, checkpointEvery: 2 },
        world: createWorld(DEFAULT_RULES),
        updateIntervalMs: 4,
        congested: () => new Set(),
      });
      const checkpoints$ = host$.pipe(
        mergeMap((e) =>
          e.type === 'ticked'
            ? e.out.flatMap(({ player, message }) =>
                message.kind === 'checkpoint'
                  ? [`${player}:whole:${message.tick}`]
                  : message.kind === 'checkpoint_changes'
                    ? [
                        `${player}:since ${message.since}:${message.tick}:${Object.keys(message.players).join('+')}`,
                      ]
                    : [],
              )
            : [],
        ),
      );
      // Ticks at frames 4, 8, 12, 16: ann joins at tick 1, bob at tick 3; checkpoints at ticks 2 and 4.
      expectObservable(checkpoints$, '^----------------!').toBe('--------a-------(bc)', {
        a: 'ann:whole:2',
        b: 'ann:since 2:4:bob',
        c: 'bob:whole:4',
      });
    });
  });
});
