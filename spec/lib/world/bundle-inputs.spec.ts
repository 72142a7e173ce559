import { expect } from 'chai';
import { boundBundleInputs } from '../../../lib/world/bundle-inputs.js';

describe('boundBundleInputs', () => {
  const input = (seq: number, dx: number, dy = 0) => ({ seq, tick: 0, dx, dy });
  const bounds = { since: 0, maxStep: 10, travelTicks: 3 };
  const seqs = (kept: readonly { seq: number }[]) => kept.map((i) => i.seq);

  it('should keep inputs after the checkpoint in sequence order, once each', () => {
    const { kept, dropped } = boundBundleInputs([input(3, 1), input(1, 1), input(2, 1), input(2, 1)], bounds);
    expect(seqs(kept)).to.deep.equal([1, 2, 3]);
    expect(dropped).to.equal(0);
  });

  it('should skip inputs the checkpoint already covers (sequence at or below its last input), uncounted', () => {
    const { kept, dropped } = boundBundleInputs([input(4, 1), input(5, 1), input(6, 1)], {
      ...bounds,
      since: 5,
    });
    expect(seqs(kept)).to.deep.equal([6]);
    expect(dropped).to.equal(0);
  });

  it('should stop at the walk the ticks allow (travelTicks × maxStep) and count the rest as dropped', () => {
    // 3 ticks of 10 units: 30. Steps of 7 (5 of them: 35) fit 4 times.
    const { kept, dropped } = boundBundleInputs(
      [1, 2, 3, 4, 5].map((seq) => input(seq, 7)),
      bounds,
    );
    expect(seqs(kept)).to.deep.equal([1, 2, 3, 4]);
    expect(dropped).to.equal(1);
  });

  it('should count an input longer than maxStep as maxStep, the most the world moves it', () => {
    const { kept } = boundBundleInputs(
      [1, 2, 3, 4].map((seq) => input(seq, 300, 400)),
      bounds,
    );
    expect(seqs(kept)).to.deep.equal([1, 2, 3]);
  });

  it('should keep nothing past the first input that does not fit, so no later one jumps the gap', () => {
    const { kept, dropped } = boundBundleInputs([input(1, 10), input(2, 10), input(3, 10), input(4, 0)], {
      ...bounds,
      travelTicks: 2,
    });
    expect(seqs(kept)).to.deep.equal([1, 2]);
    expect(dropped).to.equal(2);
  });

  it('should keep nothing when no tick of walk is allowed', () => {
    const { kept, dropped } = boundBundleInputs([input(1, 1)], { ...bounds, travelTicks: 0 });
    expect(kept).to.deep.equal([]);
    expect(dropped).to.equal(1);
  });
});
