import { describe, expect, it } from 'vitest';
import { frame, MllpDecoder, type MllpFramingError } from './mllp.js';

const MSG_1 = 'MSH|^~\\&|HIX|ZHAMSTELLAND|ZORGHUB||20250310143012||ORM^O01|1|P|2.5\rPID|1||999931271^^^NLMINBIZA';
const MSG_2 = 'MSH|^~\\&|ECD|THUISZORGWEST|ZORGHUB||20250612091500||OMG^O19|2|P|2.5\rPID|1||Cliënte';

function decoder(): { decoder: MllpDecoder; messages: string[]; errors: MllpFramingError[] } {
  const d = new MllpDecoder();
  const messages: string[] = [];
  const errors: MllpFramingError[] = [];
  d.on('message', (m) => messages.push(m));
  d.on('error', (e) => errors.push(e));
  return { decoder: d, messages, errors };
}

describe('frame', () => {
  it('wraps a message in 0x0B ... 0x1C 0x0D, UTF-8 encoded', () => {
    const framed = frame('MSH|é');
    expect([...framed]).toEqual([0x0b, ...Buffer.from('MSH|é', 'utf8'), 0x1c, 0x0d]);
  });
});

describe('MllpDecoder', () => {
  it('yields a message framed in one chunk', () => {
    const { decoder: d, messages, errors } = decoder();
    expect(d.push(frame(MSG_1))).toEqual([MSG_1]);
    expect([messages, errors]).toEqual([[MSG_1], []]);
  });

  it('copes with a frame split across chunks at every byte, a UTF-8 character split too', () => {
    const bytes = frame(MSG_2);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { decoder: d, messages, errors } = decoder();
      d.push(bytes.subarray(0, cut));
      d.push(bytes.subarray(cut));
      expect(messages).toEqual([MSG_2]);
      expect(errors).toEqual([]);
    }
  });

  it('yields several frames in one chunk, in order, ignoring CR and LF between them', () => {
    const { decoder: d, errors } = decoder();
    const chunk = Buffer.concat([frame(MSG_1), Buffer.from('\r\n'), frame(MSG_2)]);
    expect(d.push(chunk)).toEqual([MSG_1, MSG_2]);
    expect(errors).toEqual([]);
  });

  it('reports garbage outside frames as an error and still yields the frames around it', () => {
    const { decoder: d, messages, errors } = decoder();
    d.push(Buffer.concat([Buffer.from('hello'), frame(MSG_1), Buffer.from('xx'), frame(MSG_2)]));
    expect(messages).toEqual([MSG_1, MSG_2]);
    expect(errors.map((e) => e.bytes.toString())).toEqual(['hello', 'xx']);
    expect(d.discarded).toBe(2);
  });

  it('reports a frame cut off by a new start block, and keeps the new frame', () => {
    const { decoder: d, messages, errors } = decoder();
    d.push(Buffer.concat([Buffer.from([0x0b]), Buffer.from('MSH|broken'), frame(MSG_1)]));
    expect(messages).toEqual([MSG_1]);
    expect(errors.map((e) => [e.message, e.bytes.toString()])).toEqual([
      ['a new frame started before the previous one ended', 'MSH|broken'],
    ]);
  });

  it('reports a frame still open when the stream ends', () => {
    const { decoder: d, errors } = decoder();
    d.push(frame(MSG_1).subarray(0, 20));
    d.end();
    expect(errors.map((e) => e.message)).toEqual(['the stream ended inside a frame']);
  });

  it('drops an over-long frame with an error and reads the next one', () => {
    const d = new MllpDecoder({ maxMessageBytes: 50 });
    const errors: string[] = [];
    d.on('error', (e) => errors.push(e.message));
    const long = frame('x'.repeat(200));
    expect(d.push(Buffer.concat([long.subarray(0, 120), long.subarray(120), frame('MSH|short')]))).toEqual([
      'MSH|short',
    ]);
    expect(errors).toEqual(['a frame exceeded 50 bytes']);
  });

  it('never throws on garbage when nobody listens for errors', () => {
    const d = new MllpDecoder();
    expect(() => d.push(Buffer.from([0x1c, 0x0d, 0x41, 0x1c]))).not.toThrow();
    expect(d.discarded).toBe(1);
  });
});
