import { SampleFifo } from './sample-fifo';

function drain(fifo: SampleFifo): number[] {
  const out = new Int16Array(fifo.length);
  fifo.take(out.length, out, 0, 1);
  return [...out];
}

describe('SampleFifo', () => {
  it('keeps the newest samples past capacity and counts what it dropped', () => {
    const fifo = new SampleFifo(4);
    fifo.push(Int16Array.from([1, 2, 3]));
    fifo.push(Int16Array.from([4, 5, 6, 7, 8, 9]));
    expect(drain(fifo)).toEqual([6, 7, 8, 9]);
    expect(fifo.overflowed).toBe(5);
  });

  it('appends silence the same way', () => {
    const fifo = new SampleFifo(4);
    fifo.push(Int16Array.from([1, 2, 3]));
    fifo.pushSilence(2);
    expect(drain(fifo)).toEqual([2, 3, 0, 0]);
    fifo.pushSilence(6);
    expect(drain(fifo)).toEqual([0, 0, 0, 0]);
    expect(fifo.overflowed).toBe(1 + 2);
  });
});
