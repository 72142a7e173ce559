// A game's own marble test of an operator from the package, with the game's rxjs (a different copy, even a
// different version, from the one warp-p2p was developed with). retryBackoff is given no scheduler: it uses
// rxjs's asyncScheduler, and TestScheduler.run() puts that one in virtual time only if warp-p2p imports the
// game's rxjs (a peer dependency). With a second copy the retries would wait on the wall clock and this fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestScheduler } from 'rxjs/testing';
import { retryBackoff } from 'warp-p2p/operators';

test('retryBackoff waits 3 then 6 frames between attempts in TestScheduler.run(), with no scheduler given', () => {
  const testScheduler = new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
  testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-#');
    const retried = source.pipe(retryBackoff({ count: 2, delayMs: 3, factor: 2 }));
    expectObservable(retried).toBe('------------#');
    expectSubscriptions(source.subscriptions).toBe(['^!', '----^!', '-----------^!']);
  });
});
