import { expect } from 'chai';
import { enqueueInput, inputsForTick } from '../../../lib/world/input-queue.js';
import type { PlayerInput } from '../../../lib/world/world.js';

const rules = { maxStep: 10, maxQueuedInputs: 3 };
const step = (seq: number, dx: number, dy = 0): PlayerInput => ({ seq, dx, dy });

describe('input queue', () => {
  describe('inputsForTick', () => {
    it('should take one full step, or as many short ones as add up to maxStep', () => {
      expect(inputsForTick([step(1, 10), step(2, 1)], rules)).to.equal(1);
      expect(inputsForTick([step(1, 3), step(2, 3), step(3, 4), step(4, 1)], rules)).to.equal(3);
      expect(inputsForTick([step(1, 6, 8), step(2, 0)], rules)).to.equal(2);
    });

    it('should count an impossibly long step as one step (it is clamped to maxStep)', () => {
      expect(inputsForTick([step(1, 400, 300), step(2, 1)], rules)).to.equal(1);
    });

    it('should take nothing from an empty queue', () => {
      expect(inputsForTick([], rules)).to.equal(0);
    });
  });

  describe('enqueueInput', () => {
    it('should queue newer inputs up to maxQueuedInputs, then report an overflow', () => {
      const queue: PlayerInput[] = [];
      const verdicts = [1, 2, 3, 4].map((seq) => enqueueInput(queue, step(seq, 1), 0, rules));
      expect(verdicts).to.deep.equal(['queued', 'queued', 'queued', 'overflow']);
      expect(queue.map((i) => i.seq)).to.deep.equal([1, 2, 3]);
    });

    it('should take an input not newer than the last applied or queued as stale (a resend)', () => {
      const queue: PlayerInput[] = [step(5, 1)];
      expect(enqueueInput(queue, step(5, 1), 4, rules)).to.equal('stale');
      expect(enqueueInput([], step(4, 1), 4, rules)).to.equal('stale');
      expect(queue).to.have.length(1);
    });
  });
});
