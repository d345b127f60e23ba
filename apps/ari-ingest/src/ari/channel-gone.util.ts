import { AriRequestFailed } from './ari-request-failed.error';
import type { AriRestClient } from './ari-rest.client';

/**
 * Whether Asterisk confirms a channel gone. Only a 404 proves it: a channel list is a snapshot,
 * and a timeout or a 5xx says nothing about the channel.
 */
export async function isChannelGone(rest: AriRestClient, channelId: string): Promise<boolean> {
  try {
    await rest.getChannel(channelId);
    return false;
  } catch (error) {
    return error instanceof AriRequestFailed && error.notFound;
  }
}
