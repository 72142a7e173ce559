import { expect } from 'chai';
import { either } from 'fp-ts';
import * as t from 'io-ts';
import { describeErrors } from '../../../lib/protocol/describe-errors.js';
import { nestsDeeperThan } from '../../../lib/coordinator/json-depth.js';
import { MAX_REQUEST_DEPTH, decodeRequest } from '../../../lib/coordinator/protocol.js';
import { ERROR_CODES } from '../../../lib/errors.js';
import { createCsr, generateRsaKeyPair } from '../../../lib/crypto/pki.js';
import { fuzzMessages, fuzzSeed, requestTemplates, seededRandom } from '../../support/coordinator-fuzz.js';

const MAX_BYTES = 65_536;

describe('nestsDeeperThan', () => {
  it('should count arrays and objects, not brackets inside strings', () => {
    expect(nestsDeeperThan('{"a":[[1]]}', 3)).to.equal(false);
    expect(nestsDeeperThan('{"a":[[1]]}', 2)).to.equal(true);
    expect(nestsDeeperThan('{"a":"[[[[[[[[[["}', 1)).to.equal(false);
    expect(nestsDeeperThan('{"a":"\\"[[[[[[[[[["}', 1)).to.equal(false);
    expect(nestsDeeperThan('["\\\\",[[[]]]]', 3)).to.equal(true);
  });

  it('should find depth 8000 in 16 KB at once', () => {
    expect(nestsDeeperThan(`${'['.repeat(8000)}${']'.repeat(8000)}`, MAX_REQUEST_DEPTH)).to.equal(true);
  });
});

describe('describeErrors', () => {
  it('should name paths and types without the value, however deep or large', () => {
    const codec = t.type({ a: t.array(t.number) });
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const decoded = codec.decode({ a: [deep, 'x'.repeat(100_000)] });
    expect(either.isLeft(decoded)).to.equal(true);
    if (either.isRight(decoded)) return;
    const text = describeErrors(decoded.left);
    expect(text).to.equal('a.0: expected number; a.1: expected number');
  });
});

describe('decodeRequest', () => {
  const codeOf = (text: string) => {
    const decoded = decodeRequest(text, MAX_BYTES);
    return either.isLeft(decoded) ? decoded.left.error.code : 'ok';
  };

  it('should refuse deep nesting before parsing, as ERR_REQUEST_TOO_DEEP', () => {
    expect(codeOf(`${'['.repeat(8000)}${']'.repeat(8000)}`)).to.equal('ERR_REQUEST_TOO_DEEP');
    expect(codeOf(`{"id":1,"type":"login","name":"a","password":${'['.repeat(9)}${']'.repeat(9)}}`)).to.equal(
      'ERR_REQUEST_TOO_DEEP',
    );
  });

  it('should keep a refusal message short whatever the request holds', () => {
    const decoded = decodeRequest(
      JSON.stringify({ id: 4, type: 'register', maps: Array.from({ length: 2000 }, () => 'é'.repeat(10)) }),
      MAX_BYTES,
    );
    expect(either.isLeft(decoded) && decoded.left).to.deep.include({ id: 4 });
    if (either.isLeft(decoded)) expect(decoded.left.error.message.length).to.be.below(400);
  });

  it('should answer every fuzzed message with a request or a coded refusal, never a throw', () => {
    const seed = fuzzSeed(17);
    const random = seededRandom(seed);
    const templates = requestTemplates(createCsr('fuzz-host', generateRsaKeyPair()));
    for (const [n, text] of fuzzMessages(random, 4000, templates).entries()) {
      let decoded: ReturnType<typeof decodeRequest>;
      try {
        decoded = decodeRequest(text, MAX_BYTES);
      } catch (error) {
        expect.fail(`seed ${seed}, case ${n} threw ${String(error)}: ${text.slice(0, 200)}`);
      }
      if (either.isLeft(decoded)) {
        expect(decoded.left.error.code in ERROR_CODES, `seed ${seed}, case ${n}`).to.equal(true);
        expect(decoded.left.error.message.length, `seed ${seed}, case ${n}`).to.be.below(1000);
      }
    }
  });
});
