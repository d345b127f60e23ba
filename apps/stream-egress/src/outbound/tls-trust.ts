import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/**
 * The CA certificates a wss:// backend's certificate may chain to: the system's, plus
 * EGRESS_TLS_CA_FILE, plus the target's own caFile. Node replaces its default trust store when
 * given `ca`, so the well-known roots are listed again. Files are read once, at start.
 */
export class TlsTrust {
  private readonly byFile = new Map<string, string>();

  constructor(private readonly globalCaFile?: string) {}

  /** undefined: Node's default trust store is enough. */
  caFor(targetCaFile?: string): string[] | undefined {
    const files = [this.globalCaFile, targetCaFile].filter((f): f is string => Boolean(f));
    if (files.length === 0) return undefined;
    return [...rootCertificates, ...files.map((file) => this.read(file))];
  }

  private read(file: string): string {
    let pem = this.byFile.get(file);
    if (pem === undefined) {
      pem = readFileSync(file, 'utf8');
      this.byFile.set(file, pem);
    }
    return pem;
  }
}
