"""A backend for stream-egress's Twilio-format streams, written the way a FastAPI voice backend is.

It accepts Twilio Media Streams messages on a WebSocket, checks who is sending (a bearer token and
the X-ASB-Signature HMAC, when configured), writes one WAV file per call and track (8 kHz 16-bit
PCM decoded from the u-law payloads, placed by each message's timestamp so gaps stay gaps) and logs
what it received. Only the Python standard library, FastAPI and uvicorn are used.

    /usr/bin/python3 main.py --port 8765 --recordings ./recordings
"""

import argparse
import base64
import hashlib
import hmac
import json
import logging
import os
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

SAMPLE_RATE = 8000
#: A signature older or newer than this is refused (replayed handshakes).
SIGNATURE_MAX_SKEW_S = 300

log = logging.getLogger("fastapi-receiver")


def _ulaw_to_linear(code: int) -> int:
    """ITU-T G.711 u-law to a 16-bit sample."""
    code = ~code & 0xFF
    exponent = (code >> 4) & 0x07
    magnitude = ((((code & 0x0F) << 3) + 0x84) << exponent) - 0x84
    return -magnitude if code & 0x80 else magnitude


#: The 256 u-law codes as little-endian 16-bit samples, for bytes.translate-free decoding.
ULAW_TO_PCM16LE = [_ulaw_to_linear(code).to_bytes(2, "little", signed=True) for code in range(256)]


def ulaw_to_pcm16le(payload: bytes) -> bytes:
    return b"".join(ULAW_TO_PCM16LE[byte] for byte in payload)


@dataclass
class TrackRecording:
    """One track of one call: PCM placed on the stream's timeline (milliseconds from its start)."""

    pcm: bytearray = field(default_factory=bytearray)
    chunks: int = 0

    def add(self, timestamp_ms: int, pcm: bytes) -> None:
        position = timestamp_ms * SAMPLE_RATE // 1000 * 2
        if position > len(self.pcm):
            self.pcm.extend(bytes(position - len(self.pcm)))  # silence for lost audio
        self.pcm.extend(pcm)
        self.chunks += 1


@dataclass
class Settings:
    recordings: Path
    token: Optional[str]
    hmac_secret: Optional[str]
    # The most the recordings folder may hold; the oldest files go beyond it. None: no limit.
    max_bytes: Optional[int] = None


def prune(folder: Path, max_bytes: int) -> None:
    """Deletes the oldest files of the folder until what is left fits in max_bytes."""
    files = sorted((p for p in folder.iterdir() if p.is_file()), key=lambda p: p.stat().st_mtime)
    total = sum(p.stat().st_size for p in files)
    for path in files:
        if total <= max_bytes:
            break
        total -= path.stat().st_size
        path.unlink(missing_ok=True)


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="stream-egress example receiver")
    # Recordings of every call seen, by callSid then Twilio track; kept across reconnections.
    recordings: Dict[str, Dict[str, TrackRecording]] = {}

    def write(call_sid: str, start: dict) -> None:
        settings.recordings.mkdir(parents=True, exist_ok=True)
        for track, recording in recordings.get(call_sid, {}).items():
            path = settings.recordings / f"{call_sid}-{track}.wav"
            with wave.open(str(path), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(SAMPLE_RATE)
                wav.writeframes(bytes(recording.pcm))
        summary = {
            "callSid": call_sid,
            "start": start,
            "tracks": {
                track: {"chunks": r.chunks, "seconds": len(r.pcm) / 2 / SAMPLE_RATE}
                for track, r in recordings.get(call_sid, {}).items()
            },
        }
        (settings.recordings / f"{call_sid}.json").write_text(json.dumps(summary, indent=2))
        if settings.max_bytes is not None:
            prune(settings.recordings, settings.max_bytes)

    def verify(websocket: WebSocket) -> Optional[str]:
        """Why the sender is refused, or None."""
        if settings.token:
            expected = f"Bearer {settings.token}"
            if not hmac.compare_digest(websocket.headers.get("authorization", ""), expected):
                return "bad bearer token"
        if settings.hmac_secret:
            timestamp = websocket.headers.get("x-asb-timestamp", "")
            stream_id = websocket.headers.get("x-asb-stream-id", "")
            signature = websocket.headers.get("x-asb-signature", "")
            if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > SIGNATURE_MAX_SKEW_S:
                return "stale or missing timestamp"
            digest = hmac.new(
                settings.hmac_secret.encode(), f"{timestamp}.{stream_id}".encode(), hashlib.sha256
            ).hexdigest()
            if not hmac.compare_digest(signature, f"v1={digest}"):
                return "bad signature"
        return None

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "calls": len(recordings)}

    @app.websocket("/media-stream")
    async def media_stream(websocket: WebSocket) -> None:
        refusal = verify(websocket)
        if refusal:
            log.warning("refused a stream: %s", refusal)
            await websocket.close(code=1008)
            return
        await websocket.accept()
        signed_stream_id = websocket.headers.get("x-asb-stream-id")
        call_sid = None
        start: dict = {}
        media = 0
        ended = False
        try:
            while True:
                message = json.loads(await websocket.receive_text())
                event = message.get("event")
                if event == "connected":
                    log.info("connected: protocol %s %s", message.get("protocol"), message.get("version"))
                elif event == "start":
                    start = message["start"]
                    call_sid = start["callSid"]
                    if settings.hmac_secret and start["streamSid"] != signed_stream_id:
                        log.warning("streamSid %s is not the signed one", start["streamSid"])
                        await websocket.close(code=1008)
                        return
                    recordings.setdefault(call_sid, {})
                    log.info(
                        "start: call %s stream %s tracks %s format %s parameters %s",
                        call_sid,
                        start["streamSid"],
                        start["tracks"],
                        start["mediaFormat"],
                        json.dumps(start.get("customParameters", {})),
                    )
                elif event == "media" and call_sid is not None:
                    body = message["media"]
                    track = recordings[call_sid].setdefault(body["track"], TrackRecording())
                    track.add(int(body["timestamp"]), ulaw_to_pcm16le(base64.b64decode(body["payload"])))
                    media += 1
                elif event == "mark":
                    log.info("mark %s", message["mark"]["name"])
                elif event == "stop":
                    log.info("stop: call %s after %d media messages", message["stop"]["callSid"], media)
                    ended = True
                    break
        except WebSocketDisconnect as disconnect:
            log.info("disconnected (%s) from call %s after %d media messages", disconnect.code, call_sid, media)
        finally:
            if call_sid is not None:
                write(call_sid, start)
                log.info("wrote %s", ", ".join(
                    f"{call_sid}-{t}.wav ({r.chunks} chunks)" for t, r in recordings[call_sid].items()
                ))
                # A stream that ended is done with; one cut off may come back and go on.
                if ended:
                    recordings.pop(call_sid, None)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("RECEIVER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("RECEIVER_PORT", "8765")))
    parser.add_argument("--recordings", default=os.environ.get("RECEIVER_RECORDINGS", "recordings"))
    parser.add_argument(
        "--max-mb", type=int, default=None, help="most the recordings folder may hold (oldest go first)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings(
        recordings=Path(args.recordings),
        token=os.environ.get("RECEIVER_TOKEN") or None,
        hmac_secret=os.environ.get("RECEIVER_HMAC_SECRET") or None,
        max_bytes=None if args.max_mb is None else args.max_mb * 1024 * 1024,
    )
    import uvicorn

    # log_config=None: uvicorn logs through the root logger set up above, once, not also through
    # handlers of its own (every line twice). No lifespan events are used: with lifespan off, a
    # stop while streams are open ends without a CancelledError traceback.
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="info",
        log_config=None,
        lifespan="off",
    )


if __name__ == "__main__":
    main()
