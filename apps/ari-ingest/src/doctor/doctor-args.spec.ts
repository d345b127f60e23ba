import { parseDoctorArgs } from './doctor-args';

describe('parseDoctorArgs', () => {
  it('reads --listen with or without seconds, and --listen-host', () => {
    expect(parseDoctorArgs([])).toBeUndefined();
    expect(parseDoctorArgs(['--listen'])).toEqual({ seconds: 5, host: undefined });
    expect(parseDoctorArgs(['--listen=12', '--listen-host=10.0.0.7'])).toEqual({
      seconds: 12,
      host: '10.0.0.7',
    });
  });

  it.each([
    [['--listen=0'], /--listen takes whole seconds from 1 to 60, not "0"/],
    [['--listen=61'], /not "61"/],
    [['--listen=2.5'], /not "2.5"/],
    [['--listen=abc'], /not "abc"/],
    [['--listen-host=10.0.0.7'], /only used with --listen/],
    [['--listen', '--listen-host='], /--listen-host takes an address/],
    [['--listen', '--listen-host=a b'], /--listen-host takes an address/],
    [['--tap'], /unknown argument "--tap"/],
  ])('refuses %j, naming what is wrong', (args, message) => {
    expect(() => parseDoctorArgs(args)).toThrow(message);
  });
});
