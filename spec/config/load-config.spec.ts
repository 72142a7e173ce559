import { expect } from 'chai';
import { either } from 'fp-ts';
import { fileURLToPath } from 'node:url';
import { type Config, defaultConfig, loadConfig } from '../../config/index.js';
import type { P2PError } from '../../lib/errors.js';

const iniPath = fileURLToPath(new URL('../../config/p2p.ini', import.meta.url));

const load = (text: string, overrides = {}, warnings: string[] = []) =>
  loadConfig({ text }, overrides, { onWarning: (w) => warnings.push(w) });

const right = (result: either.Either<P2PError, Config>): Config => {
  if (either.isLeft(result)) throw result.left;
  return result.right;
};

const left = (result: either.Either<P2PError, Config>): P2PError => {
  if (either.isRight(result)) throw new Error('expected a configuration error');
  return result.left;
};

describe('loadConfig', () => {
  describe('with the shipped config/p2p.ini', () => {
    it("should decode to the design notes' values exactly", () => {
      const config = right(loadConfig({ path: iniPath }));
      expect(config.P2P_NETWORK).to.deep.equal({
        MaxRetries: 3,
        ReconnectDelay: 1000,
        TimeoutMS: 5000,
        UpdateIntervalMS: 50,
        MaxLatencyMS: 200,
        PacketBatchSize: 32,
        EnableEncryption: true,
        KeyRotationInterval: 3600,
        EnableP2P: true,
      });
      expect(config.P2P_SECURITY).to.deep.equal({
        EncryptionAlgorithm: 'AES-256-GCM',
        EnableCompression: true,
        CompressionThreshold: 1024,
        TokenValiditySeconds: 3600,
        RequireCertificates: true,
      });
    });

    it('should equal the built-in defaults, so loading no file changes nothing', () => {
      expect(right(loadConfig({ path: iniPath }))).to.deep.equal(defaultConfig);
    });
  });

  describe('with partial text', () => {
    it('should keep defaults for keys not given', () => {
      const config = right(load('[P2P_NETWORK]\nMaxRetries=5\n'));
      expect(config.P2P_NETWORK.MaxRetries).to.equal(5);
      expect(config.P2P_NETWORK.TimeoutMS).to.equal(5000);
    });

    it('should read 0/1 switches as booleans', () => {
      const config = right(load('[P2P_NETWORK]\nEnableEncryption=0\nEnableP2P=0\n'));
      expect(config.P2P_NETWORK.EnableEncryption).to.equal(false);
      expect(config.P2P_NETWORK.EnableP2P).to.equal(false);
    });
  });

  describe('with overrides', () => {
    it('should apply them over the file', () => {
      const config = right(load('[P2P_NETWORK]\nMaxRetries=5\n', { P2P_NETWORK: { MaxRetries: '7' } }));
      expect(config.P2P_NETWORK.MaxRetries).to.equal(7);
    });

    it('should decode them like file values', () => {
      expect(left(load('', { P2P_SYNC: { SnapshotRingSize: '1' } })).message).to.equal(
        'P2P_SYNC.SnapshotRingSize: expected an integer from 2 to 4096, got "1"',
      );
    });
  });

  describe('with bad values', () => {
    it('should report section, key, expected and found', () => {
      const error = left(load('[P2P_NETWORK]\nMaxRetries=abc\n'));
      expect(error.code).to.equal('ERR_CONFIG_INVALID');
      expect(error.message).to.equal('P2P_NETWORK.MaxRetries: expected a non-negative integer, got "abc"');
    });

    it('should report every bad value at once', () => {
      const error = left(
        load('[P2P_NETWORK]\nMaxRetries=-1\nEnableEncryption=yes\n[P2P_SECURITY]\nEncryptionAlgorithm=RC4\n'),
      );
      expect(error.details?.['problems']).to.deep.equal([
        'P2P_NETWORK.MaxRetries: expected a non-negative integer, got "-1"',
        'P2P_NETWORK.EnableEncryption: expected 0 or 1, got "yes"',
        'P2P_SECURITY.EncryptionAlgorithm: expected AES-256-GCM, got "RC4"',
      ]);
    });

    it('should refuse fractions where integers are expected', () => {
      expect(left(load('[P2P_NETWORK]\nTimeoutMS=1.5\n')).message).to.contain('expected a positive integer');
    });
  });

  describe('with unknown names', () => {
    it('should warn about unknown keys and sections and go on', () => {
      const warnings: string[] = [];
      const config = right(load('[P2P_NETWORK]\nMaxRetriez=4\n[EXTRA]\nA=1\n', {}, warnings));
      expect(config).to.deep.equal(defaultConfig);
      expect(warnings).to.deep.equal([
        'unknown key P2P_NETWORK.MaxRetriez is ignored',
        'unknown section [EXTRA] is ignored',
      ]);
    });
  });

  describe('with an unreadable source', () => {
    it('should say the file is missing', () => {
      const error = left(loadConfig({ path: '/nonexistent/p2p.ini' }));
      expect(error.code).to.equal('ERR_CONFIG_NOT_FOUND');
      expect(error.message).to.contain('/nonexistent/p2p.ini');
    });

    it('should name the line it cannot read', () => {
      const error = left(load('[P2P_NETWORK]\nMaxRetries=3\nthis is not ini\n'));
      expect(error.code).to.equal('ERR_CONFIG_PARSE');
      expect(error.message).to.equal('<text>:3: cannot read line "this is not ini"');
    });
  });
});
