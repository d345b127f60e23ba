/** /proc/net/udp and udp6: one socket per line, the local port in hex, the drop count last. */
export const PROC_NET_UDP_FILES = ['/proc/net/udp', '/proc/net/udp6'];

export interface SocketDrops {
  /** The socket's inode: a port bound again is another socket, whose count starts at 0. */
  inode: string;
  port: number;
  drops: number;
}

/**
 * The kernel's drop counts of the sockets bound to ports in [min, max]: datagrams it threw away
 * because the socket's receive buffer was full, which no counter of the process can see.
 */
export function parseUdpDrops(text: string, min: number, max: number): SocketDrops[] {
  const sockets: SocketDrops[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    if (fields.length < 13 || !fields[0].endsWith(':')) continue;
    const port = Number.parseInt(fields[1].slice(fields[1].lastIndexOf(':') + 1), 16);
    if (!(port >= min && port <= max)) continue;
    const drops = Number(fields[fields.length - 1]);
    if (!Number.isFinite(drops)) continue;
    sockets.push({ inode: fields[9], port, drops });
  }
  return sockets;
}

/**
 * Turns successive readings into the drops that happened between them. A socket seen for the
 * first time contributes all of its count (it starts at 0 when bound); a closed socket's last
 * drops after the previous reading are not seen.
 */
export class KernelDropTally {
  private last = new Map<string, number>();

  /** The drops since the previous reading. */
  update(sockets: readonly SocketDrops[]): number {
    const next = new Map<string, number>();
    let added = 0;
    for (const socket of sockets) {
      added += Math.max(0, socket.drops - (this.last.get(socket.inode) ?? 0));
      next.set(socket.inode, socket.drops);
    }
    this.last = next;
    return added;
  }
}
