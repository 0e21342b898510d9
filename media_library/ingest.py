"""Reading video files with PyAV: probe, checksum, thumbnail, web preview, stills.

Pure functions on local paths; nothing here touches the database or a storage. Every problem
with the file itself raises `IngestError` with a message meant for the editor.

A file is judged by its content, never its name: FFmpeg may open only the demuxers of
`ACCEPTED_FORMATS` and only the `file` protocol (no playlist, concat or network reader that
would open other files), and a file is refused before any picture is decoded when its size,
length or frame count is beyond the caps below; decoders refuse larger pictures themselves
(`max_pixels`), whatever the container declares.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import IO

import av
import av.error
from django.utils.translation import gettext as _

CHUNK_SIZE = 1024 * 1024
THUMBNAIL_WIDTH = 640
PREVIEW_HEIGHT = 360

# FFmpeg's demuxers accepted for renditions: QuickTime/MP4 (one demuxer for its family),
# Matroska/WebM, MXF, MPEG transport and program streams, AVI. Not hls, concat, image2, any
# *_pipe or other reader that opens further files or takes a still picture for a video.
ACCEPTED_FORMATS = ("mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "mxf")
ACCEPTED_FORMATS += ("mpegts", "mpeg", "avi")
ACCEPTED_FORMATS_DISPLAY = "MP4/MOV, Matroska/WebM, MXF, MPEG-TS, MPEG-PS, AVI"
# Caps, checked before anything is decoded. 8K UHD is the largest picture accepted; a
# decoded 8K frame is 50-100 MB, and decoding runs on at most DECODE_THREADS threads.
MAX_WIDTH = 8192
MAX_HEIGHT = 8192
MAX_PIXELS = 8192 * 4320
MAX_DURATION_SECONDS = 12 * 3600
MAX_FRAMES = MAX_DURATION_SECONDS * 60
DECODE_THREADS = 2
# For the demuxer, and for the decoders that opening the file runs to read stream details.
OPEN_OPTIONS = {
    "format_whitelist": ",".join(ACCEPTED_FORMATS),
    "protocol_whitelist": "file",
    "max_streams": "64",
    "max_pixels": str(MAX_PIXELS),
    "threads": str(DECODE_THREADS),
}
# What a playlist or list of other files starts with (FFmpeg would follow it).
_PLAYLIST_STARTS = (b"#EXTM3U", b"#EXTINF", b"ffconcat", b"[playlist]", b"<?xml", b"<smil")


class IngestError(Exception):
    """The file cannot be used as a rendition; the message says why, for the editor."""


@dataclass(frozen=True)
class ProbeResult:
    container: str
    video_codec: str
    video_profile: str
    pixel_format: str
    audio_codec: str
    width: int
    height: int
    frame_rate: Decimal | None
    bitrate: int | None
    audio_channels: int | None
    audio_sample_rate: int | None
    duration_seconds: float | None
    file_size: int

    def as_fields(self) -> dict[str, object]:
        return asdict(self)


def sha256_of(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def read_chunks(fileobj: IO[bytes], chunk_size: int = CHUNK_SIZE) -> Iterable[bytes]:
    while chunk := fileobj.read(chunk_size):
        yield chunk


def file_sha256(path: str | Path) -> str:
    """The checksum in constant memory, however large the file."""
    with open(path, "rb") as handle:
        return sha256_of(read_chunks(handle))


def _open(path: str | Path) -> av.container.InputContainer:
    """The file opened for reading, if FFmpeg reads it with an accepted demuxer."""
    size = Path(path).stat().st_size
    if size == 0:
        raise IngestError(_("The file is empty."))
    with open(path, "rb") as handle:
        start = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(_PLAYLIST_STARTS):
        raise IngestError(
            _(
                "This is a playlist, not a video file. Playlists point at other files and are "
                "refused: upload the video file itself."
            )
        )
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore", options=OPEN_OPTIONS)
    except av.error.FFmpegError as exc:
        image = _image_format(path)
        if image:
            raise IngestError(
                _("This is a still image (%(format)s), not a video.") % {"format": image}
            ) from exc
        if isinstance(exc, av.error.ArgumentError):
            # What format_whitelist answers for a format FFmpeg knows but we do not accept.
            raise IngestError(
                _("This kind of file is not accepted as a video. Accepted containers: %(formats)s.")
                % {"formats": ACCEPTED_FORMATS_DISPLAY}
            ) from exc
        raise IngestError(
            _("This is not a video file that can be read (%(reason)s).") % {"reason": _reason(exc)}
        ) from exc


def _image_format(path: str | Path) -> str:
    """The picture format Pillow recognises in the file's header (nothing is decoded), or ""."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.format or ""
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return ""


def _decoder(stream) -> None:
    """Limits of a stream's decoder: refuses pictures over MAX_PIXELS, few threads."""
    stream.codec_context.options = {"max_pixels": str(MAX_PIXELS)}
    stream.thread_type = "AUTO"
    stream.codec_context.thread_count = DECODE_THREADS


def _check_caps(*, width: int, height: int, duration: float | None) -> None:
    if width > MAX_WIDTH or height > MAX_HEIGHT or width * height > MAX_PIXELS:
        raise IngestError(
            _(
                "The picture is %(width)d×%(height)d pixels: larger than the %(side)d pixels "  # noqa: RUF001
                "a side and %(megapixels)d megapixels (8K UHD) accepted."
            )
            % {
                "width": width,
                "height": height,
                "side": MAX_WIDTH,
                "megapixels": MAX_PIXELS // 1_000_000,
            }
        )
    if duration is not None and duration > MAX_DURATION_SECONDS:
        raise IngestError(
            _("The file lasts %(hours).1f hours: longer than the %(max_hours)d hours accepted.")
            % {"hours": duration / 3600, "max_hours": MAX_DURATION_SECONDS // 3600}
        )


# Demuxers of still pictures: FFmpeg reads them as one-frame "videos".
_IMAGE_FORMATS = {"image2", "gif", "apng", "webp", "tiff", "bmp", "png", "jpeg"}


def _video_stream(container):
    """The first real video stream; cover art in audio files does not count."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def _reason(exc: av.error.FFmpegError) -> str:
    return getattr(exc, "strerror", None) or str(exc)


def _frame_rate(stream) -> Decimal | None:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate:
        return None
    # 30000/1001 is stored as 29.970, as broadcasters write it.
    return (Decimal(rate.numerator) / Decimal(rate.denominator)).quantize(Decimal("0.001"))


def probe(path: str | Path, *, check_complete: bool = True) -> ProbeResult:
    """Every technical field, read from the file itself.

    With `check_complete`, all packets are read (not decoded) to catch truncated files: a
    file whose packets stop well before its declared duration, or point past its end.
    """
    file_size = Path(path).stat().st_size
    with _open(path) as container:
        names = set(container.format.name.split(","))
        if names & _IMAGE_FORMATS or any(name.endswith("_pipe") for name in names):
            raise IngestError(_("This is a still image, not a video."))
        video = _video_stream(container)
        if video is None:
            raise IngestError(_("The file has no video stream."))
        video_context = video.codec_context
        if not video_context.width or not video_context.height:
            # Also what is left when the decoder refused a picture over MAX_PIXELS on opening.
            raise IngestError(
                _(
                    "No picture size can be read from the video stream: the file is damaged, "
                    "or its pictures are larger than the %(side)d pixels a side and "
                    "%(megapixels)d megapixels (8K UHD) accepted."
                )
                % {"side": MAX_WIDTH, "megapixels": MAX_PIXELS // 1_000_000}
            )
        audio = container.streams.audio[0] if container.streams.audio else None

        duration = None
        if container.duration:
            duration = container.duration / av.time_base
        elif video.duration and video.time_base:
            duration = float(video.duration * video.time_base)
        _check_caps(width=video_context.width, height=video_context.height, duration=duration)

        if check_complete:
            _check_complete(container, video, duration=duration, file_size=file_size)

        bitrate = container.bit_rate or None
        if not bitrate and duration:
            bitrate = int(file_size * 8 / duration)

        return ProbeResult(
            container=_container_name(container, path),
            video_codec=video_context.name,
            video_profile=(video_context.profile or "")[:80],
            pixel_format=(video_context.pix_fmt or "")[:30],
            audio_codec=audio.codec_context.name if audio else "",
            width=video_context.width,
            height=video_context.height,
            frame_rate=_frame_rate(video),
            bitrate=bitrate,
            audio_channels=audio.codec_context.layout.nb_channels if audio else None,
            audio_sample_rate=audio.codec_context.sample_rate if audio else None,
            duration_seconds=round(duration, 3) if duration else None,
            file_size=file_size,
        )


def _container_name(container, path: str | Path) -> str:
    # FFmpeg names a family ("mov,mp4,m4a,…"); the extension tells which member it is.
    names = container.format.name.split(",")
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in names:
        return suffix
    return names[0]


def _check_complete(container, video, *, duration: float | None, file_size: int) -> None:
    end = 0.0
    packets = 0
    try:
        for packet in container.demux(video):
            if packet.size == 0:
                continue
            packets += 1
            if packets > MAX_FRAMES:
                raise IngestError(
                    _("The file holds more than %(frames)d pictures: too many to ingest.")
                    % {"frames": MAX_FRAMES}
                )
            if packet.pos is not None and packet.pos >= 0 and packet.pos + packet.size > file_size:
                raise IngestError(_("The file is truncated: its data stops before its end."))
            if packet.pts is not None and packet.time_base:
                end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    except av.error.FFmpegError as exc:
        raise IngestError(
            _("The file is damaged or truncated (%(reason)s).") % {"reason": _reason(exc)}
        ) from exc
    if packets == 0:
        raise IngestError(_("The video stream holds no pictures."))
    start = float(video.start_time * video.time_base) if video.start_time else 0.0
    if duration and duration > 1 and (end - start) < duration * 0.9 - 0.5:
        raise IngestError(
            _(
                "The file is truncated: it declares %(declared).1f s but its pictures stop "
                "at %(found).1f s."
            )
            % {"declared": duration, "found": end - start}
        )


def _scaled_size(width: int, height: int, *, max_width: int = 0, max_height: int = 0):
    scale = 1.0
    if max_width and width > max_width:
        scale = min(scale, max_width / width)
    if max_height and height > max_height:
        scale = min(scale, max_height / height)
    # H.264 and JPEG 4:2:0 want even dimensions.
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def make_thumbnail(path: str | Path, *, width: int = THUMBNAIL_WIDTH) -> bytes:
    """A JPEG of a picture about a tenth of the way in (past the slate), at most 2 s in."""
    with _open(path) as container:
        stream = _video_stream(container)
        if stream is None:
            raise IngestError(_("The file has no video stream."))
        _decoder(stream)
        duration = container.duration / av.time_base if container.duration else 0
        target = min(duration * 0.1, 2.0)
        chosen = None
        try:
            for frame in container.decode(stream):
                chosen = frame
                if frame.time is None or frame.time >= target:
                    break
        except av.error.FFmpegError as exc:
            if chosen is None:
                raise IngestError(
                    _("No picture could be decoded (%(reason)s).") % {"reason": _reason(exc)}
                ) from exc
        if chosen is None:
            raise IngestError(_("No picture could be decoded from the file."))
        data = _jpeg(chosen, max_width=width)
        if not data:
            raise IngestError(_("The thumbnail could not be made."))
        return data


def make_still(path: str | Path, *, seconds: Fraction) -> bytes:
    """A JPEG of the picture shown at `seconds` (the last frame starting at or before it), at
    the file's own size: a frame grab of the web preview for a shot-list timecode.

    Seeks to the keyframe before the moment, then decodes up to it: a fraction of a second of
    a 360p preview. A moment past the last frame gives the last frame.
    """
    with _open(path) as container:
        stream = _video_stream(container)
        if stream is None:
            raise IngestError(_("The file has no video stream."))
        _decoder(stream)
        if stream.time_base and seconds > 0:
            container.seek(int(seconds / stream.time_base), backward=True, stream=stream)
        chosen = None
        try:
            for frame in container.decode(stream):
                if chosen is not None and frame.time is not None and frame.time > seconds:
                    break
                chosen = frame
        except av.error.FFmpegError as exc:
            if chosen is None:
                raise IngestError(
                    _("No picture could be decoded (%(reason)s).") % {"reason": _reason(exc)}
                ) from exc
        if chosen is None:
            raise IngestError(_("No picture could be decoded from the file."))
        return _jpeg(chosen, max_width=0)


def _jpeg(frame, *, max_width: int) -> bytes:
    """`frame` as a baseline JPEG (4:2:0, full range), scaled down to `max_width` if given."""
    out_width, out_height = _scaled_size(frame.width, frame.height, max_width=max_width)
    picture = frame.reformat(width=out_width, height=out_height, format="yuvj420p")
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height = out_width, out_height
    encoder.pix_fmt = "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    encoder.options = {"qscale": "3"}
    picture.pts = 0
    return b"".join(bytes(packet) for packet in [*encoder.encode(picture), *encoder.encode()])


def make_preview(
    source: str | Path, destination: str | Path, *, height: int = PREVIEW_HEIGHT
) -> None:
    """A small H.264/AAC MP4 (moov first, so the player starts at once) for the web page."""
    with _open(source) as container:
        in_video = _video_stream(container)
        if in_video is None:
            raise IngestError(_("The file has no video stream."))
        _decoder(in_video)
        in_audio = container.streams.audio[0] if container.streams.audio else None
        rate = in_video.average_rate or in_video.guessed_rate or Fraction(25)
        rate = Fraction(rate).limit_denominator(1001)
        width, out_height = _scaled_size(
            in_video.codec_context.width, in_video.codec_context.height, max_height=height
        )
        with av.open(
            str(destination), "w", format="mp4", options={"movflags": "+faststart"}
        ) as out:
            out_video = out.add_stream(
                "libx264", rate=rate, options={"preset": "veryfast", "crf": "28"}
            )
            out_video.width, out_video.height, out_video.pix_fmt = width, out_height, "yuv420p"
            out_audio = resampler = None
            if in_audio is not None:
                out_audio = out.add_stream("aac", rate=48000, layout="stereo")
                out_audio.bit_rate = 96_000
                resampler = av.AudioResampler(format="fltp", layout="stereo", rate=48000)
            streams = [in_video] + ([in_audio] if in_audio is not None else [])
            next_pts = 0
            samples = 0
            try:
                for packet in container.demux(*streams):
                    for frame in packet.decode():
                        if packet.stream.type == "video":
                            pts = round(frame.time * rate) if frame.time is not None else next_pts
                            pts = max(pts, next_pts)
                            next_pts = pts + 1
                            picture = frame.reformat(
                                width=width, height=out_height, format="yuv420p"
                            )
                            picture.pts = pts
                            picture.time_base = 1 / rate
                            out.mux(out_video.encode(picture))
                        elif out_audio is not None and resampler is not None:
                            for sound in resampler.resample(frame):
                                sound.pts = samples
                                sound.time_base = Fraction(1, 48000)
                                samples += sound.samples
                                out.mux(out_audio.encode(sound))
            except av.error.FFmpegError as exc:
                raise IngestError(
                    _("The preview could not be made (%(reason)s).") % {"reason": _reason(exc)}
                ) from exc
            out.mux(out_video.encode(None))
            if out_audio is not None:
                out.mux(out_audio.encode(None))
