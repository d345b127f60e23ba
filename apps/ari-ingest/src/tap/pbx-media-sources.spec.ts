import { loadAriIngestConfig } from '../config/ari-ingest.config';
import { PbxMediaSources } from './pbx-media-sources';

function sourcesWith(env: Record<string, string>): PbxMediaSources {
  return new PbxMediaSources(
    loadAriIngestConfig({
      env: { NATS_SERVERS: 'nats://nats:4222', ARI_PASSWORD: 'secret', ...env },
    }),
  );
}

describe('PbxMediaSources: where each Asterisk server sends RTP from', () => {
  it("takes an ARI host that is an address as it is, and resolves a name to the host's addresses", async () => {
    const sources = sourcesWith({
      ARI_SERVERS: 'pbx1=http://10.0.0.5:8088,pbx2=http://localhost:8088,pbx3=http://[::1]:8088',
    });
    expect(await sources.of('pbx1')).toEqual(['10.0.0.5']);
    expect(await sources.of('pbx2')).toContain('127.0.0.1');
    expect(await sources.of('pbx3')).toEqual(['::1']);
    await expect(sources.of('pbx9')).rejects.toThrow('no Asterisk server pbx9 is configured');
  });

  it('uses ARI_RTP_SOURCES where it names the server', async () => {
    const sources = sourcesWith({
      ARI_SERVERS: 'pbx1=http://pbx1.example:8088,pbx2=http://10.0.0.6:8088',
      ARI_RTP_SOURCES: 'pbx1=10.0.1.5|10.0.2.5',
    });
    expect(await sources.of('pbx1')).toEqual(['10.0.1.5', '10.0.2.5']);
    expect(await sources.of('pbx2')).toEqual(['10.0.0.6']);
  });

  it('refuses ARI_RTP_SOURCES that are not addresses or name no configured server', () => {
    const problems = (value: string) => {
      try {
        sourcesWith({ ARI_SERVERS: 'pbx1=http://10.0.0.5:8088', ARI_RTP_SOURCES: value });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems('pbx1=pbx1.example')).toMatch(
      /ARI_RTP_SOURCES.*"pbx1=pbx1.example" must be name=address\|address with IP addresses \(not: pbx1.example\)/,
    );
    expect(problems('pbx2=10.0.0.9')).toMatch(
      /ARI_RTP_SOURCES: names no server of ARI_SERVERS: pbx2/,
    );
  });
});
