import { expect } from 'chai';
import { createOutbox } from '../../../streams/session/outbox.js';

describe('createOutbox', () => {
  it('should hand what is sent to its subscriber, dropping what comes while no one listens', () => {
    const outbox = createOutbox<string>();
    const first: string[] = [];
    const second: string[] = [];
    outbox.send('before');
    const one = outbox.outbox$.subscribe((value) => first.push(value));
    outbox.send('a');
    const two = outbox.outbox$.subscribe((value) => second.push(value));
    outbox.send('b');
    one.unsubscribe();
    outbox.send('c');
    two.unsubscribe();
    outbox.send('after');
    expect(first).to.deep.equal(['a']);
    expect(second).to.deep.equal(['b', 'c']);
  });
});
