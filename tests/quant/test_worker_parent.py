"""The comparison's child process ends when the server that started it dies."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil

from tests.conftest import ROOT

# a stand-in server: starts the worker as run_isolated does (its output to a file here, so
# that no broken pipe ends the orphan by chance), says the worker's pid, then waits
SERVER = textwrap.dedent("""
    import json, os, subprocess, sys
    from dataclasses import asdict
    from playground.quant.compare import ComparisonRequest
    out = open(sys.argv[1], "w")
    child = subprocess.Popen([sys.executable, "-m", "playground.quant.worker"],
                             stdin=subprocess.PIPE, stdout=out, text=True,
                             env={**os.environ, "PLAYGROUND_WORKER_PARENT": str(os.getpid())})
    request = ComparisonRequest("smollm2-135m-instruct", ("int8", "nf4", "fp32"),
                                max_new_tokens=128)
    child.stdin.write(json.dumps(asdict(request)))
    child.stdin.close()
    print(child.pid, flush=True)
    child.wait()
""")


def test_the_worker_ends_within_a_second_of_the_servers_death(tmp_path):
    log = tmp_path / "worker.jsonl"
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(log)], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    pid = int(server.stdout.readline())
    try:
        worker = psutil.Process(pid)
        deadline = time.monotonic() + 120
        while "loading" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)  # working: a preset is loading
        assert "loading" in log.read_text()
        os.kill(server.pid, signal.SIGKILL)  # the server dies mid-comparison
        server.wait()
        start = time.monotonic()
        while time.monotonic() - start < 2 and worker.is_running() and \
                worker.status() != psutil.STATUS_ZOMBIE:
            time.sleep(0.05)
        assert not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE, \
            "the comparison's worker ran on after the server died"
    finally:
        if server.poll() is None:
            server.kill()
        try:
            psutil.Process(pid).kill()
        except psutil.Error:  # already gone, as it should be
            pass
