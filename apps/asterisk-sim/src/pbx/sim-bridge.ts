import { randomUUID } from 'node:crypto';
import { ariTimestamp } from './ari-time';

export class SimBridge {
  readonly channels = new Set<string>();
  readonly creationtime = ariTimestamp();

  constructor(
    readonly id: string = randomUUID(),
    readonly name = '',
    readonly bridgeType = 'mixing',
    /** The app that created it through ARI: it gets the bridge's events. */
    readonly ownerApp?: string,
  ) {}

  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      technology: 'simple_bridge',
      bridge_type: this.bridgeType,
      bridge_class: 'stasis',
      creator: 'Stasis',
      name: this.name,
      channels: [...this.channels],
      creationtime: this.creationtime,
      video_mode: 'talker',
    };
  }
}
