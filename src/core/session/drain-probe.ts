/**
 * How closely a connection is watched while a stop waits for its last finals.
 *
 * Outside a drain the heartbeat pings every 10 s and drops a peer that missed one ping, so a
 * service that hangs is found out 10–20 s later. That is fine while audio keeps flowing (the
 * replay buffer holds it), but a drain has 15 s (a quit 8 s, less its reserve): a service
 * that stops answering right at the end would outlast it and take the last words with it.
 * Deepgram's fake survived only because Deepgram itself closes a socket that received no
 * audio for 10 s (NET-0001), which hands the session a close to reconnect on; OpenAI and
 * AssemblyAI keep a hung socket open.
 *
 * So while stopping, a connection that still owes the service's answer is pinged every
 * `everyMs`, and one that has answered neither a ping nor anything else for `deadAfter` pings
 * in a row is dropped like a heartbeat failure: the session reconnects, replays what was not
 * accounted for and ends that stream, inside the same drain deadline.
 *
 * Why these numbers. A pong is the WebSocket layer's answer, not the model's: it comes back
 * within a network round trip however long transcription takes, so a slow service that is
 * alive is never cut (it keeps the drain waiting up to its deadline, as before). The services
 * document their end of stream as prompt, too: Deepgram's `CloseStream` "forces the server to
 * immediately process any unprocessed audio data and return the final transcription results"
 * (developers.deepgram.com/docs/close-stream); AssemblyAI answers `Terminate` with the in-flight
 * turns, `Termination` and a 1000 close (assemblyai.com/docs/streaming/universal-streaming/
 * message-sequence) and delivers turns "in ~300ms"; OpenAI answers `input_audio_buffer.commit`
 * with `input_audio_buffer.committed` (platform API reference, realtime client events). A live
 * service therefore says something within a second of the end request even before any pong.
 * Two seconds of total silence (four pings) is several round trips on the worst mobile link
 * and still leaves a quit's 6.5 s room for the reconnect, the replay and the new stream's end.
 */
export interface DrainProbe {
  /** How often the connection is pinged while draining. */
  readonly everyMs: number;
  /** Pings in a row with nothing heard from the peer after which it counts as gone. */
  readonly deadAfter: number;
}

export const DRAIN_PROBE: DrainProbe = { everyMs: 500, deadAfter: 4 };
