#!/usr/bin/python3
"""The original camera system's Haar design, as a baseline for bench/haar.ts.

Per channel: a frame-reader thread (cv2.VideoCapture) and a ThreadPoolExecutor of two detection threads
running the Haar cascade on the grey frame (OpenCV releases the GIL, so the threads share the cores);
at most two frames of a channel in detection at once, frames read as fast as possible. Prints one JSON
line: frames, seconds, fps, faces.

Needs Debian's python3-opencv (bench-only: `apt-get install python3-opencv`).
"""
import argparse
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import cv2


def channel(video, frames, cascade_file, params, totals, lock):
    executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="detection")
    # One cascade per detection thread: a CascadeClassifier must not run detectMultiScale in two threads at once.
    local = threading.local()
    in_flight = threading.Semaphore(2)
    done = []

    def detect(frame):
        try:
            if not hasattr(local, "cascade"):
                local.cascade = cv2.CascadeClassifier(cascade_file)
            grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            faces = local.cascade.detectMultiScale(grey, **params)
            with lock:
                totals["frames"] += 1
                totals["faces"] += len(faces)
        finally:
            in_flight.release()

    def reader():
        cap = cv2.VideoCapture(video)
        read = 0
        while read < frames:
            ok, frame = cap.read()
            if not ok:  # loop the file
                cap.release()
                cap = cv2.VideoCapture(video)
                continue
            in_flight.acquire()
            done.append(executor.submit(detect, frame))
            read += 1
        cap.release()

    thread = threading.Thread(target=reader, name="frame-reader")
    thread.start()
    return thread, executor, done


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cascade", required=True)
    parser.add_argument("--frames", type=int, default=270, help="frames per channel")
    parser.add_argument("--scale-factor", type=float, default=1.1)
    parser.add_argument("--min-neighbors", type=int, default=3)
    parser.add_argument("videos", nargs="+", help="one video per channel")
    args = parser.parse_args()
    if cv2.CascadeClassifier(args.cascade).empty():
        raise SystemExit(f"cannot load cascade {args.cascade}")
    params = {"scaleFactor": args.scale_factor, "minNeighbors": args.min_neighbors}
    totals = {"frames": 0, "faces": 0}
    lock = threading.Lock()
    start = time.perf_counter()
    channels = [channel(v, args.frames, args.cascade, params, totals, lock) for v in args.videos]
    for thread, executor, done in channels:
        thread.join()
        for f in done:
            f.result()
        executor.shutdown()
    seconds = time.perf_counter() - start
    print(json.dumps({"frames": totals["frames"], "seconds": seconds, "fps": totals["frames"] / seconds,
                      "faces": totals["faces"], "opencv": cv2.__version__, "threads": cv2.getNumThreads()}))


if __name__ == "__main__":
    main()
