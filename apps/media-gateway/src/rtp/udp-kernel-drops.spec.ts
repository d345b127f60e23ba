import { KernelDropTally, parseUdpDrops } from './udp-kernel-drops';

const header =
  '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops';
const line = (sl: number, port: number, inode: number, drops: number) =>
  ` ${sl}: 0100007F:${port.toString(16).toUpperCase()} 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 ${inode} 2 00000000e41cc776 ${drops}`;

describe('UDP kernel drops', () => {
  it("reads the drop count of each socket in the gateway's port range", () => {
    const text = [
      header,
      line(1, 40000, 111, 7),
      line(2, 40001, 112, 0),
      line(3, 39999, 113, 50),
      line(4, 45000, 114, 3),
      '',
    ].join('\n');
    expect(parseUdpDrops(text, 40000, 44999)).toEqual([
      { inode: '111', port: 40000, drops: 7 },
      { inode: '112', port: 40001, drops: 0 },
    ]);
  });

  it('ignores what is not a socket line', () => {
    expect(parseUdpDrops(`${header}\ngarbage\n 5: short line\n`, 0, 65535)).toEqual([]);
  });

  it('counts the drops between readings, a new socket from zero, a closed one no more', () => {
    const tally = new KernelDropTally();
    expect(tally.update([{ inode: '1', port: 40000, drops: 5 }])).toBe(5);
    expect(tally.update([{ inode: '1', port: 40000, drops: 9 }])).toBe(4);
    // The port bound again: another socket (inode), counting from zero.
    expect(
      tally.update([
        { inode: '2', port: 40000, drops: 2 },
        { inode: '3', port: 40001, drops: 0 },
      ]),
    ).toBe(2);
    expect(tally.update([{ inode: '3', port: 40001, drops: 1 }])).toBe(1);
  });
});
