/**
 * Whether a web-chat person's page is still open: while its event stream is open the web chat
 * writes a heartbeat (contacts.stream_seen_at) every WEBCHAT_HEARTBEAT_MS, on whichever instance
 * holds the stream; the console reads "connected" as a heartbeat newer than WEBCHAT_PRESENCE_MS.
 */
export const WEBCHAT_HEARTBEAT_MS = 15_000;
export const WEBCHAT_PRESENCE_MS = 45_000;

/** Connected: the page's stream was seen within WEBCHAT_PRESENCE_MS. */
export function isConnected(streamSeenAt: number | null | undefined, now: number): boolean {
  return streamSeenAt != null && streamSeenAt >= now - WEBCHAT_PRESENCE_MS;
}
