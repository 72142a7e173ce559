import { expect } from 'chai';
import { createWindowCounter } from '../../../streams/coordinator/window-counter.js';

describe('createWindowCounter', () => {
  it('should count events within the window only, at most cap', () => {
    const counter = createWindowCounter({ windowMs: 100, cap: 3, maxKeys: 10 });
    [0, 10, 20, 30, 40].forEach((t) => counter.add('a', t));
    expect(counter.count('a', 50)).to.equal(3);
    expect(counter.count('a', 135)).to.equal(1);
    expect(counter.count('a', 140)).to.equal(0);
  });

  it('should forget keys whose events left the window, and never hold more than maxKeys', () => {
    const counter = createWindowCounter({ windowMs: 100, cap: 3, maxKeys: 50 });
    for (let n = 0; n < 1000; n++) counter.add(`10.0.${n >> 8}.${n & 255}`, n / 20);
    expect(counter.size()).to.equal(50);
    // The newest keys stayed, the oldest went first.
    expect(counter.count('10.0.3.231', 50)).to.equal(1);
    expect(counter.count('10.0.0.0', 50)).to.equal(0);
    counter.add('late', 200);
    expect(counter.size()).to.equal(1);
  });
});
