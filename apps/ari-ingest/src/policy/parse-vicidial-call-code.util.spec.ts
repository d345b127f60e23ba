import { parseVicidialCallCode } from './parse-vicidial-call-code.util';

describe('parseVicidialCallCode', () => {
  it('reads the legacy layout: V + mmddhhmmss + 9-digit lead', () => {
    expect(parseVicidialCallCode('V1124150300000012345', 'legacy')).toEqual({
      callCode: 'V1124150300000012345',
      callType: 'V',
      codeTime: '1124150300',
      leadId: 12345,
    });
  });

  it('reads the current layout: M + mddhhmmss + 10-digit lead', () => {
    expect(parseVicidialCallCode('M5241503000000123456', 'current')).toEqual({
      callCode: 'M5241503000000123456',
      callType: 'M',
      codeTime: '524150300',
      leadId: 123456,
    });
  });

  it('falls back to the other layout when the configured one cannot be a date', () => {
    // Day 41 in the legacy reading: only the current layout makes sense of it.
    expect(parseVicidialCallCode('Y1241503000000012345', 'legacy')).toMatchObject({
      codeTime: '124150300',
      leadId: 12345,
    });
  });

  it('keeps the raw code and type when neither layout fits the digits', () => {
    expect(parseVicidialCallCode('V9999999999999999999', 'legacy')).toEqual({
      callCode: 'V9999999999999999999',
      callType: 'V',
    });
  });

  it.each([
    ['XLvdcW17963092011001', 'XL'],
    ['BM179630920100001001', 'BM'],
    ['DC309201W0000012345W', 'DC'],
    ['S2612031430009600051', 'S'],
  ])('takes the type of %s, whatever follows it, as %s', (name, callType) =>
    expect(parseVicidialCallCode(name, 'current')).toMatchObject({ callCode: name, callType }),
  );

  it("reads a 3-way call's lead, to link it to the customer's call", () => {
    // agc/vicidial.php: "DC" + the epoch's last 6 digits + "W" + the lead in 10 digits + "W".
    expect(parseVicidialCallCode('DC309201W0000012345W', 'current')).toEqual({
      callCode: 'DC309201W0000012345W',
      callType: 'DC',
      leadId: 12345,
    });
    expect(parseVicidialCallCode('DC309201X0000012345W', 'current')).toEqual({
      callCode: 'DC309201X0000012345W',
      callType: 'DC',
    });
  });

  it.each([
    undefined,
    'BMW Service Center',
    'XX12345678901234567a',
    '',
    'John Smith',
    'V112415030000001234',
    'v1124150300000012345',
    'V11241503000000123456',
  ])('ignores a name that is no call code: %p', (name) =>
    expect(parseVicidialCallCode(name, 'legacy')).toBeUndefined(),
  );
});
