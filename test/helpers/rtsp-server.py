#!/usr/bin/python3
"""Serves an H.264 video file over RTSP for the live-stream tests (GStreamer's gst-rtsp-server).

Usage: rtsp-server.py <port> <file.mkv>   (port 0: pick a free one)

Every client gets its own session (a non-shared media: the file from its start, first frame a keyframe),
paced by the pipeline clock like a camera. The file must be Matroska with H.264 video; it is sent as is
(no re-encoding), so the server costs almost no CPU. Mount point: /live. Prints "READY <port>" once
listening; runs until killed or until its stdin closes (the test process that started it is gone).
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: rtsp-server.py <port> <file.mkv>")
    port, path = sys.argv[1], sys.argv[2]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    location = path.replace("\\", "\\\\").replace('"', '\\"')
    factory.set_launch(
        f'( filesrc location="{location}" ! matroskademux ! h264parse ! '
        "rtph264pay name=pay0 pt=96 config-interval=-1 )"
    )
    factory.set_shared(False)
    server.get_mount_points().add_factory("/live", factory)
    if server.attach(None) == 0:
        sys.exit(f"rtsp-server.py: cannot listen on 127.0.0.1:{port}")
    print(f"READY {server.get_bound_port()}", flush=True)
    loop = GLib.MainLoop()
    # Stdin is a pipe from the test process: its end (the test process died) ends the server too.
    stdin = GLib.IOChannel.unix_new(sys.stdin.fileno())
    GLib.io_add_watch(stdin, GLib.IO_IN | GLib.IO_HUP, lambda *_: loop.quit())
    loop.run()


if __name__ == "__main__":
    main()
