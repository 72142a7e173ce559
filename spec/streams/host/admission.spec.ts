import { expect } from 'chai';
import { createAdmission } from '../../../streams/host/admission.js';

describe('createAdmission', () => {
  it('should give each stage perAddress slots per address, and refuse more from it', () => {
    const admission = createAdmission({ perAddress: 2, total: 10 });
    expect(
      [admission.http('a'), admission.http('a'), admission.http('a')].map((r) => r !== null),
    ).to.deep.equal([true, true, false]);
    expect(admission.http('b')).to.not.equal(null);
    expect(admission.handshake('a')).to.not.equal(null);
  });

  it('should refuse every address once both stages together hold total', () => {
    const admission = createAdmission({ perAddress: 2, total: 3 });
    admission.http('a');
    admission.handshake('b');
    const last = admission.handshake('c');
    expect(last).to.not.equal(null);
    expect(admission.http('d')).to.equal(null);
    last?.();
    expect(admission.http('d')).to.not.equal(null);
  });

  it('should free a slot once however often it is given back', () => {
    const admission = createAdmission({ perAddress: 1, total: 2 });
    const release = admission.http('a');
    release?.();
    release?.();
    const again = admission.http('a');
    expect(again).to.not.equal(null);
    expect(admission.http('a')).to.equal(null);
    expect(admission.http('b')).to.not.equal(null);
  });
});
