import { expect } from 'chai';
import { either } from 'fp-ts';
import { KIND_BYTES, decodePayload } from '../../../lib/protocol/messages.js';

describe('decodePayload refusing a control message', () => {
  const refusal = (json: string) => {
    const bytes = Buffer.from(json);
    const decoded = decodePayload(KIND_BYTES.restore, bytes, 0, bytes.length);
    return either.isLeft(decoded) ? decoded.left : null;
  };
  const restoreWith = (fields: string) =>
    `{"kind":"restore","entities":[],"certificate":"x","inputs":[],${fields}}`;

  it('should refuse a value nested 20,000 deep with ERR_MESSAGE_INVALID, naming the path, never stringifying it', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    let error: ReturnType<typeof refusal> = null;
    expect(
      () => (error = refusal(restoreWith(`"checkpoint":{"kind":"checkpoint","map":${deep}}`))),
    ).not.to.throw();
    expect(error).to.include({ code: 'ERR_MESSAGE_INVALID' });
    expect((error as unknown as Error).message).to.match(/^restore: checkpoint\.map: expected string/);
  });

  it('should say how many values failed in a bounded line, not one line per value', () => {
    const entities = Array.from({ length: 5000 }, (_, id) => ({
      id,
      kind: 'npc',
      x: 'far',
      y: 1,
      vx: 0,
      vy: 0,
      hp: 1,
    }));
    const json = `{"kind":"restore","checkpoint":null,"entities":${JSON.stringify(entities)},"certificate":"x","inputs":[]}`;
    const message = (refusal(json) as unknown as Error).message;
    expect(message.length).to.be.below(300);
    expect(message).to.match(/\(and 5000 more\)$/);
  });

  it('should cut a key as long as the frame to a few characters', () => {
    const key = 'k'.repeat(100_000);
    const json = restoreWith(
      `"checkpoint":{"kind":"checkpoint","map":"forest","epoch":1,"tick":1,"hash":"0123456789abcdef","lastInputs":{"${key}":-1},"players":{},"signature":"AAAA"}`,
    );
    const message = (refusal(json) as unknown as Error).message;
    expect(message.length).to.be.below(300);
    expect(message).to.include('checkpoint.lastInputs.kkkk');
  });
});
