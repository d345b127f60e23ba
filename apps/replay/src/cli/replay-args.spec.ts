import { parseReplayArgs } from './replay-args';

const NOW = new Date('2026-12-04T12:00:00Z');

describe('parseReplayArgs', () => {
  it('takes calls by id, once each, at the recorded pace by default', () => {
    expect(
      parseReplayArgs(['--call', 'pbx1-1-2', '--call', 'pbx1-1-3', '--call', 'pbx1-1-2'], NOW),
    ).toEqual({
      selection: { callIds: ['pbx1-1-2', 'pbx1-1-3'] },
      speed: 1,
      parallel: 1,
      dryRun: false,
    });
  });

  it('takes a time range and campaigns, up to now and 20 calls by default', () => {
    expect(
      parseReplayArgs(
        [
          '--from',
          '2026-12-03T09:00:00Z',
          '--campaign',
          'SALES,RENEW',
          '--speed',
          '4',
          '--parallel=3',
          '--dry-run',
        ],
        NOW,
      ),
    ).toEqual({
      selection: {
        from: new Date('2026-12-03T09:00:00Z'),
        to: NOW,
        campaigns: ['SALES', 'RENEW'],
        limit: 20,
      },
      speed: 4,
      parallel: 3,
      dryRun: true,
    });
  });

  it.each([
    [[], /say which calls/],
    [['--call', 'a.b'], /--call takes a callId/],
    [['--call', 'c1', '--from', '2026-12-03T09:00:00Z'], /does not go with/],
    [['--from', 'yesterday'], /--from takes an ISO 8601 time/],
    [
      ['--from', '2026-12-03T09:00:00Z', '--to', '2026-12-03T08:00:00Z'],
      /--to must be after --from/,
    ],
    [['--call', 'c1', '--speed', '0'], /--speed takes a number from 1 to 100/],
    [['--call', 'c1', '--speed', 'fast'], /--speed takes a number/],
    [['--call', 'c1', '--parallel', '2.5'], /--parallel takes a whole number/],
    [
      ['--from', '2026-12-03T09:00:00Z', '--limit', '5000'],
      /--limit takes a whole number from 1 to 1000/,
    ],
    [['--call', 'c1', 'extra'], /unexpected argument "extra"/],
    [['--calls', 'c1'], /Unknown option '--calls'/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseReplayArgs(argv as string[], NOW)).toThrow(message);
  });
});
