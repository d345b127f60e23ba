import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { SUBJECT_TEMPLATES } from '../subjects/subject-names';
import { buildAsyncApiDocument } from './asyncapi-document';

const DOCUMENT_PATH = join(__dirname, '../../../../../docs/asyncapi.yaml');
const HEADER =
  '# Generated from libs/contracts by `npx nx run contracts:asyncapi`. Do not edit by hand.\n';

describe('AsyncAPI document', () => {
  const generated = buildAsyncApiDocument();

  if (process.env['UPDATE_ASYNCAPI'] === '1') {
    writeFileSync(
      DOCUMENT_PATH,
      HEADER + stringify(generated, { lineWidth: 0, aliasDuplicateObjects: false }),
    );
  }

  const committed = existsSync(DOCUMENT_PATH)
    ? parse(readFileSync(DOCUMENT_PATH, 'utf8'))
    : undefined;

  it('lists exactly the subjects the code defines', () => {
    const addresses = Object.values(committed.channels as Record<string, { address: string }>).map(
      (c) => c.address,
    );
    expect([...addresses].sort()).toEqual([...SUBJECT_TEMPLATES].sort());
  });

  it('is the document generated from the schemas (run `npx nx run contracts:asyncapi` after changing a contract)', () => {
    expect(committed).toEqual(generated);
  });

  it('documents a payload for every message and a parameter for every subject token', () => {
    const messages = generated['components'] as { messages: Record<string, { payload?: unknown }> };
    for (const [name, message] of Object.entries(messages.messages)) {
      expect([name, message.payload]).toEqual([name, expect.anything()]);
    }
    for (const channel of Object.values(
      generated['channels'] as Record<
        string,
        { address: string; parameters?: Record<string, unknown> }
      >,
    )) {
      const tokens = [...channel.address.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(Object.keys(channel.parameters ?? {}).sort()).toEqual(tokens.sort());
    }
  });
});
