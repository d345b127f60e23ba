/** socket.io namespace of the live feed; clients connect with the websocket transport only. */
export const LIVE_NAMESPACE = '/live';

/** Room of the sockets listening to one call's audio. */
export function listenRoom(callId: string): string {
  return `listen:${callId}`;
}

/** Room of the sockets watching one call's transcript. */
export function transcriptRoom(callId: string): string {
  return `transcript:${callId}`;
}
