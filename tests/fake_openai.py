"""A small OpenAI-compatible HTTP server for tests (real HTTP on 127.0.0.1, SSE streaming).

It answers POST /v1/chat/completions and /v1/completions with ``stream: true``, one "token"
(a word) per chunk. The first words echo what the request asked for (seed, temperature, top_p,
top_k, min_p), so a test can check the parameters arrived; then ``w1 w2 ...`` up to
``max_tokens``. A prompt containing "slow" streams one word per 50 ms. A ``stop`` string is
honoured the way vLLM does it (text cut, finish_reason "stop", stop_reason = the string).
Every request body is kept in ``requests``; ``aborted`` counts streams the client closed.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL_ID = "fake/echo-model"


class _Handler(BaseHTTPRequestHandler):
    server: "FakeEngine"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _json(self, status: int, data: dict) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            self._json(200, {"object": "list", "data": [
                {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "vllm"}]})
        else:
            self._json(404, {"error": {"message": "no such route"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        chat = self.path.endswith("/chat/completions")
        if not (chat or self.path.endswith("/completions")):
            return self._json(404, {"error": {"message": "no such route"}})
        body["_path"] = self.path
        with self.server.lock:
            self.server.requests.append(body)
        if body.get("model") != MODEL_ID:
            return self._json(404, {"error": {"message": f"model {body.get('model')} "
                                                          f"does not exist"}})
        if chat and not body.get("stream") and body.get("logprobs"):
            return self._json(200, _with_logprobs(body))
        self._stream(body, chat)

    def _stream(self, body: dict, chat: bool) -> None:
        prompt = (body["messages"][-1]["content"] if chat else body.get("prompt", ""))
        words = [f"seed={body.get('seed')}", f"temperature={body.get('temperature')}",
                 f"top_p={body.get('top_p')}", f"top_k={body.get('top_k')}",
                 f"min_p={body.get('min_p')}"]
        limit = int(body.get("max_tokens") or 16)
        words = (words + [f"w{i}" for i in range(1, limit + 1)])[:limit]
        delay = 0.05 if "slow" in prompt else 0.0
        finish, stop_reason, text_so_far, sent = "length", None, "", 0
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            if chat:
                self._send(self._chunk(chat, {"role": "assistant", "content": ""}, None))
            for word in words:
                piece = word + " "
                hit = [s for s in body.get("stop") or [] if s in text_so_far + piece]
                if hit:
                    finish, stop_reason = "stop", hit[0]
                    break
                text_so_far += piece
                sent += 1
                self._send(self._chunk(chat, piece, None))
                time.sleep(delay)
            self._send(self._chunk(chat, "", finish, stop_reason))
            if (body.get("stream_options") or {}).get("include_usage"):
                self._send({"id": "fake", "object": "chat.completion.chunk" if chat else
                            "text_completion", "created": 0, "model": MODEL_ID, "choices": [],
                            "usage": {"prompt_tokens": len(prompt.split()),
                                      "completion_tokens": sent,
                                      "total_tokens": len(prompt.split()) + sent}})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            with self.server.lock:
                self.server.aborted += 1

    @staticmethod
    def _chunk(chat: bool, piece, finish, stop_reason=None) -> dict:
        if chat:
            delta = piece if isinstance(piece, dict) else ({"content": piece} if piece else {})
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
        else:
            choice = {"index": 0, "text": piece, "finish_reason": finish, "logprobs": None}
        if stop_reason is not None:
            choice["stop_reason"] = stop_reason
        return {"id": "fake", "object": "chat.completion.chunk" if chat else "text_completion",
                "created": 0, "model": MODEL_ID, "choices": [choice]}

    def _send(self, data: dict) -> None:
        self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
        self.wfile.flush()


class FakeEngine(ThreadingHTTPServer):
    """``with FakeEngine() as engine: engine.base_url`` -- stops (and frees the port) on exit."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.aborted = 0
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self) -> "FakeEngine":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(5)


def _with_logprobs(body: dict) -> dict:
    """A non-streamed chat answer with logprobs: two steps, each with top_logprobs candidates."""
    n = int(body.get("top_logprobs") or 1)
    steps = [{"token": w, "logprob": -0.1, "top_logprobs": [
        {"token": w if i == 0 else f"alt{i}", "logprob": -0.1 - i} for i in range(n)]}
        for w in ("Once", " upon")]
    return {"id": "x", "object": "chat.completion", "created": 0, "model": MODEL_ID,
            "choices": [{"index": 0, "finish_reason": "length",
                         "message": {"role": "assistant", "content": "Once upon"},
                         "logprobs": {"content": steps}}]}
