import { AsteriskModule, judgeAsteriskSupport } from './asterisk-support.util';

const loaded = (...names: string[]): AsteriskModule[] =>
  names.map((name) => ({ name, status: 'Running' }));
const ALL = loaded('res_stasis_snoop.so', 'chan_rtp.so', 'res_ari_channels.so');

describe('judgeAsteriskSupport', () => {
  it.each(['16.6.0', '16.30.1', '18.26.4-vici', '20.16.0', '22.6.0', 'GIT-master-2f1e3c'])(
    'takes Asterisk %s with its modules loaded',
    (version) =>
      expect(judgeAsteriskSupport(version, ALL)).toMatchObject({ supported: true, problems: [] }),
  );

  it.each(['13.38.3', '16.5.0', '11.25.3'])('refuses Asterisk %s: no externalMedia', (version) => {
    const support = judgeAsteriskSupport(version, ALL);
    expect(support.supported).toBe(false);
    expect(support.problems).toEqual([expect.stringMatching(/no externalMedia \(needs 16\.6/)]);
  });

  it('names each module that is missing or not running, and what it is for', () => {
    const modules = [
      { name: 'res_stasis_snoop.so', status: 'Declined' },
      ...loaded('res_ari_channels.so'),
    ];
    expect(judgeAsteriskSupport('18.26.4-vici', modules).problems).toEqual([
      expect.stringMatching(/res_stasis_snoop\.so is not loaded; it runs snoop channels/),
      expect.stringMatching(/chan_rtp\.so is not loaded; it runs externalMedia/),
    ]);
  });

  it('needs Asterisk 18 and chan_audiosocket.so for AudioSocket taps, not chan_rtp.so', () => {
    const overTcp = loaded('res_stasis_snoop.so', 'chan_audiosocket.so', 'res_audiosocket.so');
    expect(judgeAsteriskSupport('18.26.4-vici', overTcp, 'audiosocket')).toMatchObject({
      supported: true,
    });
    expect(judgeAsteriskSupport('16.30.1', overTcp, 'audiosocket').problems).toEqual([
      expect.stringMatching(/no externalMedia over AudioSocket \(needs 18 or later/),
    ]);
    expect(judgeAsteriskSupport('20.16.0', ALL, 'audiosocket').problems).toEqual([
      expect.stringMatching(
        /chan_audiosocket\.so is not loaded; it runs externalMedia over AudioSocket/,
      ),
    ]);
  });

  it('decides by the version alone where the server lists no modules', () => {
    expect(judgeAsteriskSupport('18.26.4-vici', undefined).supported).toBe(true);
  });
});
