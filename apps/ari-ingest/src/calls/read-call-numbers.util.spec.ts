import type { AriChannel } from '../ari/ari-model';
import { readCallNumbers } from './read-call-numbers.util';

const dialledAt = (exten: string): AriChannel => ({
  id: '1795533218.12',
  name: 'PJSIP/carrier-0000000c',
  state: 'Ringing',
  caller: { name: '', number: exten },
  connected: { name: '', number: '' },
  dialplan: { context: 'trunkinbound', exten, app_name: 'AppDial' },
});

describe('readCallNumbers', () => {
  it.each([
    ['8813125550199', ['8', '88'], '13125550199'],
    ['813125550199', ['88', '8'], '13125550199'],
    ['13125550199', [''], '13125550199'],
    ['9', ['9'], '9'],
  ])('reads %s dialled with prefixes %j as %s', (exten, prefixes, number) => {
    expect(readCallNumbers(dialledAt(exten), {}, prefixes).calleeNumber).toBe(number);
  });
});
