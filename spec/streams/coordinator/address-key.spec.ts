import { expect } from 'chai';
import { addressKey } from '../../../streams/coordinator/address-key.js';

describe('addressKey', () => {
  it('should keep IPv4 as it is, also IPv4-mapped', () => {
    expect(addressKey('127.0.0.1')).to.equal('127.0.0.1');
    expect(addressKey('::ffff:127.0.0.1')).to.equal('127.0.0.1');
  });

  it('should group IPv6 by /64, however it is written', () => {
    expect(addressKey('2001:db8::1')).to.equal('2001:db8:0:0::/64');
    expect(addressKey('2001:0DB8:0:0:ffff::2%eth0')).to.equal('2001:db8:0:0::/64');
    expect(addressKey('2001:db8:1:2:3:4:5:6')).to.equal('2001:db8:1:2::/64');
    expect(addressKey('::1')).to.equal('0:0:0:0::/64');
  });
});
