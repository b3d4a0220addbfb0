"""Run Debian's nginx with deploy/nginx.conf over a built site, on a loopback port.

The test configuration is deploy/nginx.conf as a bureau uses it, with three changes only:
the HTTP-to-HTTPS redirect block is left out, the listen/TLS lines become a loopback port,
and /srv/policy-portal/site becomes the built site. A minimal main configuration around it
gives nginx what Debian's /etc/nginx/nginx.conf gives it (mime.types, temp folders).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOY_CONF = REPO / "deploy" / "nginx.conf"
SITE_PLACEHOLDER = "/srv/policy-portal/site"


def render_site_conf(site_dir: Path, port: int) -> str:
    """deploy/nginx.conf with the test's site folder and loopback port."""
    text = DEPLOY_CONF.read_text("utf-8")
    text, redirects = re.subn(r"# --- http-redirect:.*?# --- end http-redirect ---\n", "", text, flags=re.S)
    text, listens = re.subn(r"# --- listen:.*?# --- end listen ---\n",
                            f"listen 127.0.0.1:{port};\n    server_name localhost;\n", text, flags=re.S)
    assert redirects == 1 and listens == 1, "deploy/nginx.conf lost its test markers"
    assert SITE_PLACEHOLDER in text
    return text.replace(SITE_PLACEHOLDER, str(site_dir))


def main_conf(workdir: Path, site_conf: Path) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the pytest temp folder
    temp = "\n".join(f"    {name}_temp_path {workdir / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        f"{user}worker_processes 1;\n"
        f"events {{ worker_connections 256; }}\n"
        f"http {{\n"
        f"    include /etc/nginx/mime.types;\n"
        f"    default_type application/octet-stream;\n"
        f"    sendfile on;\n"
        f"    access_log off;\n"
        f"{temp}\n"
        f"    include {site_conf};\n"
        f"}}\n"
    )


class Nginx:
    """nginx in the foreground as a child process; stop() ends it."""

    def __init__(self, site_dir: Path, workdir: Path, port: int):
        self.workdir = workdir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        workdir.mkdir(parents=True, exist_ok=True)
        site_conf = workdir / "site.conf"
        site_conf.write_text(render_site_conf(site_dir, port), "utf-8")
        conf = workdir / "nginx.conf"
        conf.write_text(main_conf(workdir, site_conf), "utf-8")
        self.log = (workdir / "error.log").open("w")
        self.process = subprocess.Popen(
            [NGINX, "-p", str(workdir), "-c", str(conf),
             "-g", f"daemon off; pid {workdir / 'nginx.pid'}; error_log stderr;"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.workdir / 'error.log').read_text()}")
            try:
                urllib.request.urlopen(self.url + "/", timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not answer: {(self.workdir / 'error.log').read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
