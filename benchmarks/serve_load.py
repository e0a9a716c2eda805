#!/usr/bin/python3
"""A bounded load test of `almkit serve` on loopback: concurrent clients sending a mix of
non-streaming and streaming chat requests (text, and audio as base64 WAV), clients that hang up
in the middle of a stream, and bad requests (malformed JSON, missing or mistyped fields, a body
over --max-body-mb, an unknown route). Every good answer is checked against the same request
served alone before the load (greedy decoding, so it must be identical, text for text); every
bad request must get its 4xx; the server must answer /health and a last request correctly after.

Prints requests/s, p50 / p95 / p99 latency of the good requests, error counts and the server's
resident memory before and after the load (VmRSS from /proc); --json writes them too.
--check exits non-zero on any lost, mixed-up or wrongly refused answer (ctest ServeLoad.Short).

  /usr/bin/python3 benchmarks/serve_load.py --cli build/tools/almkit/almkit \\
      --model .cache/models/qwen2-audio-small-random --clients 8 --requests 400
Only the Python standard library is used."""
import argparse
import base64
import http.client
import io
import json
import math
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import wave


def wav_bytes(seconds, hz):
    """A mono 16 kHz 16-bit WAV of a tone (distinct clips give distinct answers)."""
    frames = bytearray()
    for i in range(int(seconds * 16000)):
        value = int(0.3 * 32767 * math.sin(2 * math.pi * hz * i / 16000))
        frames += value.to_bytes(2, "little", signed=True)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(bytes(frames))
    return out.getvalue()


def good_requests(count, max_tokens):
    """`count` distinct greedy chat requests: every other one carries a short clip."""
    questions = ["What do you hear?", "Is the tone high or low?", "Describe the sound.", "Is it loud?",
                 "Which instrument is this?", "How long is the clip?", "Say one word.", "Count to three."]
    bodies = []
    for i in range(count):
        content = []
        if i % 2 == 0:
            clip = base64.b64encode(wav_bytes(0.5 + 0.25 * (i % 3), 220 + 110 * i)).decode()
            content.append({"type": "input_audio", "input_audio": {"data": clip, "format": "wav"}})
        content.append({"type": "text", "text": questions[i % len(questions)] + f" ({i})"})
        bodies.append({"messages": [{"role": "user", "content": content}], "max_tokens": max_tokens,
                       "temperature": 0})
    return bodies


def bad_requests(max_body_mb):
    """(name, method, path, body bytes, the status expected)"""
    oversized = json.dumps({"messages": [{"role": "user", "content": "x" * int((max_body_mb + 0.5) * 2**20)}]})
    return [
        ("malformed JSON", "POST", "/v1/chat/completions", b'{"messages": [', 400),
        ("no messages", "POST", "/v1/chat/completions", b'{"max_tokens": 4}', 400),
        ("max_tokens a string", "POST", "/v1/chat/completions",
         b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": "many"}', 400),
        ("audio not base64", "POST", "/v1/chat/completions",
         b'{"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": '
         b'{"data": "@@@", "format": "wav"}}]}]}', 400),
        ("body over the limit", "POST", "/v1/chat/completions", oversized.encode(), 413),
        ("unknown route", "POST", "/v1/nothing", b"{}", 404),
    ]


class Server:
    def __init__(self, cli, model, max_body_mb, extra):
        command = [cli, "serve", "--model", model, "--port", "0", "--max-body-mb", str(max_body_mb)] + extra
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.port = None
        deadline = time.time() + 120
        while time.time() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            found = re.search(r"listening on http://[^:]+:(\d+)", line)
            if found:
                self.port = int(found.group(1))
                break
        if self.port is None:
            self.process.kill()
            raise SystemExit(f"serve_load: `{' '.join(command)}` did not start listening")
        threading.Thread(target=self.process.stdout.read, daemon=True).start()  # drain its log

    def rss_kb(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def stop(self):
        self.process.terminate()
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return None


def post(port, path, body, timeout=300):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def ask(port, body):
    status, data = post(port, "/v1/chat/completions", json.dumps(body).encode())
    if status != 200:
        raise RuntimeError(f"status {status}: {data[:200]!r}")
    return json.loads(data)["choices"][0]["message"]["content"]


def ask_streaming(port, body, hang_up_after=None):
    """The streamed text; with hang_up_after=N, closes the socket after N events (returns None)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request("POST", "/v1/chat/completions", body=json.dumps(dict(body, stream=True)).encode(),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"status {response.status}: {response.read()[:200]!r}")
        text, events = [], 0
        for raw in response:
            line = raw.decode().strip()
            if not line.startswith("data: "):
                continue
            if line == "data: [DONE]":
                return "".join(text)
            event = json.loads(line[6:])
            if "error" in event:
                raise RuntimeError(f"error event: {event['error']}")
            events += 1
            text.append(event["choices"][0]["delta"].get("content") or "")
            if hang_up_after is not None and events >= hang_up_after:
                connection.sock.shutdown(socket.SHUT_RDWR)
                return None
        raise RuntimeError("stream ended without [DONE]")
    finally:
        connection.close()


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", required=True, help="the almkit binary")
    parser.add_argument("--model", required=True)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400, help="client actions in all (good, streamed, hang-ups, bad)")
    parser.add_argument("--distinct", type=int, default=12, help="distinct good requests")
    parser.add_argument("--max-tokens", type=int, default=8)
    parser.add_argument("--max-body-mb", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server-arg", action="append", default=[], help="extra `almkit serve` argument")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--check", action="store_true", help="exit 1 on any wrong, lost or wrongly refused answer")
    args = parser.parse_args()

    goods = good_requests(args.distinct, args.max_tokens)
    bads = bad_requests(args.max_body_mb)
    server = Server(args.cli, args.model, args.max_body_mb, args.server_arg)
    failures, lock = [], threading.Lock()
    try:
        # Reference answers: each request alone, before any load.
        reference = [ask(server.port, body) for body in goods]
        rss_before = server.rss_kb()
        # The mix: 50 % non-streaming, 25 % streaming, 10 % hang-ups, 15 % bad requests.
        rng = random.Random(args.seed)
        actions, bad_turn = [], 0
        for n in range(args.requests):
            roll = rng.random()
            kind = "plain" if roll < 0.5 else "stream" if roll < 0.75 else "hang_up" if roll < 0.85 else "bad"
            actions.append((kind, rng.randrange(len(goods)), bad_turn % len(bads)))
            bad_turn += kind == "bad"  # every kind of bad request in turn
        latencies = {"plain": [], "stream": []}
        counts = {"plain": 0, "stream": 0, "hang_up": 0, "bad": 0}
        bad_seen = set()
        queue = list(enumerate(actions))

        def client():
            while True:
                with lock:
                    if not queue:
                        return
                    n, (kind, good, bad) = queue.pop()
                start = time.perf_counter()
                try:
                    if kind == "plain":
                        text = ask(server.port, goods[good])
                    elif kind == "stream":
                        text = ask_streaming(server.port, goods[good])
                    elif kind == "hang_up":
                        text = ask_streaming(server.port, goods[good], hang_up_after=1)
                    else:
                        name, method, path, body, expected = bads[bad]
                        status, _ = post(server.port, path, body)
                        text = None
                        if status != expected:
                            raise RuntimeError(f"{name}: status {status}, expected {expected}")
                        with lock:
                            bad_seen.add(name)
                    if kind in ("plain", "stream") and text != reference[good]:
                        raise RuntimeError(f"request {good}: {text!r} differs from its answer alone {reference[good]!r}")
                    elapsed = time.perf_counter() - start
                    with lock:
                        counts[kind] += 1
                        if kind in latencies:
                            latencies[kind].append(elapsed)
                except Exception as error:  # noqa: BLE001 - every failure is counted and reported
                    with lock:
                        failures.append(f"action {n} ({kind}): {error}")

        start = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        rss_after = server.rss_kb()
        # Still alive and still right.
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request("GET", "/health")
        health = connection.getresponse().status
        connection.close()
        if health != 200:
            failures.append(f"/health answered {health} after the load")
        if len(bad_seen) != len(bads):
            failures.append(f"bad requests answered right: {sorted(bad_seen)} of {len(bads)} kinds (too few actions?)")
        if ask(server.port, goods[0]) != reference[0]:
            failures.append("the first request, asked again after the load, was answered differently")
    finally:
        exit_status = server.stop()
    if exit_status != 0:
        failures.append(f"the server exited with {exit_status} on SIGTERM")

    good_latencies = latencies["plain"] + latencies["stream"]
    figures = {
        "clients": args.clients, "actions": args.requests, "distinct_requests": args.distinct,
        "distinct_reference_answers": len(set(reference)), "max_tokens": args.max_tokens,
        "wall_s": round(wall, 3), "answered_per_s": round((counts["plain"] + counts["stream"]) / wall, 2),
        "actions_per_s": round(sum(counts.values()) / wall, 2), "counts": counts,
        "latency_s": {k: {"p50": round(percentile(v, 0.5), 3), "p95": round(percentile(v, 0.95), 3),
                          "p99": round(percentile(v, 0.99), 3)} for k, v in
                      (("good", good_latencies), ("plain", latencies["plain"]), ("stream", latencies["stream"]))},
        "failures": len(failures), "rss_mb_before": round(rss_before / 1024, 1),
        "rss_mb_after": round(rss_after / 1024, 1), "load_average": os.getloadavg(),
    }
    print(json.dumps(figures, indent=1))
    for failure in failures[:20]:
        print("FAILURE:", failure, file=sys.stderr)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=1)
    return 1 if args.check and failures else 0


if __name__ == "__main__":
    sys.exit(main())
