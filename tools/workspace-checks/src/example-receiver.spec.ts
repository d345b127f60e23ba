import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RECEIVER = join(__dirname, '../../../examples/fastapi-receiver/main.py');

describe('the example FastAPI receiver', () => {
  it('keeps its recordings folder within --max-mb, deleting the oldest files first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asb-receiver-prune-'));
    try {
      const now = Date.now() / 1000;
      for (let i = 0; i < 5; i += 1) {
        const file = join(dir, `call-${i}.wav`);
        writeFileSync(file, Buffer.alloc(1000));
        utimesSync(file, now - 100 + i, now - 100 + i);
      }
      execFileSync('/usr/bin/python3', [
        '-c',
        [
          'import importlib.util, sys',
          `spec = importlib.util.spec_from_file_location("receiver", ${JSON.stringify(RECEIVER)})`,
          'receiver = importlib.util.module_from_spec(spec)',
          'spec.loader.exec_module(receiver)',
          'from pathlib import Path',
          `receiver.prune(Path(${JSON.stringify(dir)}), 2500)`,
        ].join('\n'),
      ]);
      expect(readdirSync(dir).sort()).toEqual(['call-3.wav', 'call-4.wav']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
