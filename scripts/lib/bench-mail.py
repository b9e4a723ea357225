"""The mail benchmark behind scripts/bench-mail: see there. Standard library only (plus the
project's aiosmtpd sink)."""

import http.cookiejar
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port} after {seconds} s")


def main(binary, n):
    work = tempfile.mkdtemp()
    smtp_port, port = free_port(), free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}", "-c", "smtp_sink.Sink", f"{work}/mail"],
        env={**os.environ, "PYTHONPATH": "crates/testkit"},
    )
    env = {
        **os.environ,
        "PAPERBOY_DATA_DIR": f"{work}/data",
        "PAPERBOY_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "PAPERBOY_MAIL_FROM": "paperboy <noreply@bench.example>",
        "PAPERBOY_BASE_URL": f"http://127.0.0.1:{port}",
        "PAPERBOY_TRUST_FORWARDED_FOR": "1",
        "PAPERBOY_SYNC": "0",
    }
    with open(f"{work}/paperboy.toml", "w") as f:
        f.write("[search]\nsemantic = false\n")
    print(f"creating {n} accounts and {n} subscribers …", file=sys.stderr)
    for i in range(n):
        subprocess.run(
            [binary, "--quiet", "user", "create", f"bench{i}", "--email", f"bench{i}@example.org"],
            input=b"a long enough passphrase\n", env=env, check=True, stdout=subprocess.DEVNULL,
        )
    with open(f"{work}/subscribers.csv", "w") as f:
        f.writelines(f"reader{i}@example.org,daily,\n" for i in range(n))
    subprocess.run(
        [binary, "--quiet", "subscribers", "import", f"{work}/subscribers.csv", "--confirmed"],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )
    server = subprocess.Popen(
        [binary, "--quiet", "--config", f"{work}/paperboy.toml", "serve", "--listen", f"127.0.0.1:{port}"],
        env=env, stdout=subprocess.DEVNULL,
    )
    try:
        wait_listening(smtp_port)
        wait_listening(port)
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{base}/reset").read().decode()
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]

        def post(path, email, client):
            data = urllib.parse.urlencode({"csrf": csrf, "email": email, "frequency": "daily"}).encode()
            request = urllib.request.Request(f"{base}{path}", data=data, headers={"X-Forwarded-For": client})
            started = time.perf_counter()
            with opener.open(request) as response:
                response.read()
                assert response.status == 200, response.status
            return (time.perf_counter() - started) * 1000

        known, unknown, subscribed, new = [], [], [], []
        started = time.time()
        for i in range(n):
            client = f"{i // 250}.{i % 250 + 1}"
            known.append(post("/reset", f"bench{i}@example.org", f"10.1.{client}"))
            unknown.append(post("/reset", f"ghost{i}@example.org", f"10.2.{client}"))
            subscribed.append(post("/subscribe", f"reader{i}@example.org", f"10.3.{client}"))
            new.append(post("/subscribe", f"newcomer{i}@example.org", f"10.4.{client}"))
        deadline = time.time() + 300
        while True:
            mail = json.load(opener.open(f"{base}/api/status"))["mail"]
            if mail["queued"] == 0 or time.time() > deadline:
                break
            time.sleep(0.05)
        drained = time.time() - started
        received = len([f for f in os.listdir(f"{work}/mail") if f.endswith(".eml")])

        def row(name, samples):
            samples = sorted(samples)
            p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
            print(f"{name:<34} {statistics.median(samples):8.2f} {p99:8.2f} {statistics.mean(samples):8.2f}")

        print(f"{str(n) + ' requests each':<34} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
        row("/reset, address with an account", known)
        row("/reset, address without one", unknown)
        row("/subscribe, already subscribed", subscribed)
        row("/subscribe, new address", new)
        print(f"mails received: {received} of {2 * n}; queue empty {drained:.1f} s after the first request")
    finally:
        server.terminate()
        sink.terminate()
        server.wait()
        sink.wait()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
