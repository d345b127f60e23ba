import { Inject, Injectable, Logger } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { APP_CONFIG } from '@asb/config';
import type { AriIngestConfig } from '../config/ari-ingest.config';

/** How long a resolved ARI host's addresses are used before they are looked up again. */
const RESOLVED_FOR_MS = 60_000;

interface Resolved {
  addresses: string[];
  at: number;
}

/**
 * The addresses each Asterisk server's RTP comes from, which every allocation names so that a
 * gateway takes a stream from nobody else: ARI_RTP_SOURCES where set, else the addresses its ARI
 * host resolves to (looked up at most once a minute; the last answer is kept while DNS fails).
 */
@Injectable()
export class PbxMediaSources {
  private readonly logger = new Logger(PbxMediaSources.name);
  private readonly configured = new Map<string, string[]>();
  private readonly hosts = new Map<string, string>();
  private readonly resolved = new Map<string, Resolved>();

  constructor(@Inject(APP_CONFIG) config: AriIngestConfig) {
    for (const entry of config.ARI_RTP_SOURCES ?? []) {
      this.configured.set(entry.name, entry.addresses);
    }
    for (const server of config.ARI_SERVERS) {
      this.hosts.set(server.name, new URL(server.url).hostname.replace(/^\[(.*)\]$/, '$1'));
    }
  }

  async of(server: string): Promise<string[]> {
    const configured = this.configured.get(server);
    if (configured) return configured;
    const host = this.hosts.get(server);
    if (host === undefined) throw new Error(`no Asterisk server ${server} is configured`);
    if (isIP(host) !== 0) return [host];
    const known = this.resolved.get(server);
    if (known && Date.now() - known.at < RESOLVED_FOR_MS) return known.addresses;
    try {
      const answers = await lookup(host, { all: true });
      const addresses = [...new Set(answers.map((answer) => answer.address))];
      this.resolved.set(server, { addresses, at: Date.now() });
      return addresses;
    } catch (error) {
      if (known) {
        this.logger.warn(
          `cannot resolve ${host} (${server}) again: ${(error as Error).message}; keeping ${known.addresses.join(' ')}`,
        );
        return known.addresses;
      }
      throw new Error(
        `cannot resolve ${host} (${server}) to the addresses its RTP comes from: ${(error as Error).message}; set ARI_RTP_SOURCES`,
      );
    }
  }
}
