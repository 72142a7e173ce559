import { expect } from 'chai';
import { parseDebugCommand } from '../../../streams/client/debug-commands.js';

describe('/p2p debug commands', () => {
  it('should read the five commands', () => {
    expect(parseDebugCommand('/p2p status')).to.deep.equal({ kind: 'status' });
    expect(parseDebugCommand('  /p2p   metrics ')).to.deep.equal({ kind: 'metrics' });
    expect(parseDebugCommand('/p2p debug on')).to.deep.equal({ kind: 'debug', on: true });
    expect(parseDebugCommand('/p2p debug off')).to.deep.equal({ kind: 'debug', on: false });
    expect(parseDebugCommand('/p2p reconnect')).to.deep.equal({ kind: 'reconnect' });
    expect(parseDebugCommand('/p2p failover')).to.deep.equal({ kind: 'failover' });
  });

  it('should refuse anything else', () => {
    for (const line of [
      '',
      '/p2p',
      '/p2p debug',
      '/p2p debug maybe',
      '/p2p status now',
      '/p2p jump',
      'status',
      '/p2pstatus',
    ])
      expect(parseDebugCommand(line), line).to.equal(null);
  });
});
