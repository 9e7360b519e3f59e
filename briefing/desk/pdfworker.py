"""The desk's PDF process: ``python -m briefing.desk.pdfworker`` makes PDFs of the issue's HTML, one after another.

In: on stdin, frames of one byte of kind and eight of length, then the payload: ``H`` an issue's HTML (UTF-8).
Out: on stdout, for each, a frame ``P`` with the PDF's bytes or ``E`` with a one-line reason. It ends when stdin
closes. The desk (:class:`~briefing.desk.publisher.PdfProcess`) starts it once and keeps it: a PDF of a whole
day takes seconds of the interpreter's time, which the desk's page must not wait for.

A process of its own, started as a command (not forked from the desk, whose threads it would copy, nor started
by importing the desk's caller, as ``multiprocessing`` does): it imports nothing but the renderer.
"""

from __future__ import annotations

import struct
import sys
from typing import BinaryIO

HEADER = struct.Struct(">cQ")  # the frame's kind, the payload's length
MAX_FRAME = 256 * 1024 * 1024  # bytes of one frame: an issue's HTML is well under a megabyte, its PDF a few


def write_frame(stream: BinaryIO, kind: bytes, payload: bytes) -> None:
    stream.write(HEADER.pack(kind, len(payload)) + payload)
    stream.flush()


def read_frame(stream: BinaryIO) -> tuple[bytes, bytes] | None:
    """The next frame, or None at the end of the stream; ValueError for one that is cut short or too large."""
    head = stream.read(HEADER.size)
    if not head:
        return None
    if len(head) < HEADER.size:
        raise ValueError("a frame cut short")
    kind, size = HEADER.unpack(head)
    if size > MAX_FRAME:
        raise ValueError(f"a frame of {size} bytes")
    payload = stream.read(size)
    if len(payload) < size:
        raise ValueError("a frame cut short")
    return kind, payload


def main() -> None:
    from ..cli.main import setup_logging
    from ..output.render import render_pdf

    setup_logging(quiet=False, verbose=False)  # the PDF engine's chatter stays quiet, as in a build
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        frame = read_frame(source)
        if frame is None:
            return
        try:
            pdf = render_pdf(frame[1].decode("utf-8"))
        except Exception as exc:  # a PDF that cannot be made is said, and the next one is made
            write_frame(sink, b"E", " ".join(f"{type(exc).__name__}: {exc}".split())[:500].encode("utf-8"))
            continue
        write_frame(sink, b"P", pdf)


if __name__ == "__main__":
    main()
