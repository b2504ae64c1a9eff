"""deploy/ as shipped: the nginx site passes `nginx -t` and carries a console login over TLS with the real client
address and https intact (PROXY_COUNT=1); the systemd units and env.example cover every setting."""
from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

import config
from services import keys

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "consumer-bot.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
HOST = "bot.example.gov.cn"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _certificate(directory: Path) -> None:
    """A self-signed certificate for HOST (cryptography is already a dependency)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False).sign(key, hashes.SHA256()))
    (directory / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "privkey.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                              serialization.PrivateFormat.PKCS8,
                                                              serialization.NoEncryption()))


def _site_for_test(tmp: Path, *, http: int, https: int, upstream: int) -> Path:
    """The shipped site with only machine-specific values changed: ports, certificate and log paths."""
    text = SITE.read_text(encoding="utf-8")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http};").replace("listen [::]:80;", "")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
    text = text.replace("listen [::]:443 ssl http2;", "")
    text = text.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
    text = text.replace("/etc/ssl/consumer-bot", str(tmp)).replace("/var/log/nginx", str(tmp))
    text = text.replace("/var/www/html", str(tmp))
    site = tmp / "site.conf"
    site.write_text(text, encoding="utf-8")
    main = tmp / "nginx.conf"
    main.write_text(f"""
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    access_log off;
    include {site};
}}
""", encoding="utf-8")
    return main


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx-light)")
# The certificate is a self-signed one made for this test, so urllib3's warning about not verifying it is expected.
@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_nginx_site_passes_nginx_t_and_carries_a_console_login(make_app, tmp_path, staff_factory):
    """`nginx -t` accepts the shipped site; through it, a console form over https is not refused as cross-site,
    and a failed login is counted against the real client address, not one the client claims in X-Forwarded-For."""
    app = make_app(PROXY_COUNT=1, SESSION_COOKIE_SECURE=True, WTF_CSRF_ENABLED=True)
    staff_factory(role="admin", username="nginx_admin")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _certificate(tmp_path)
    http, https = _free_port(), _free_port()
    main = _site_for_test(tmp_path, http=http, https=https, upstream=server.server_port)
    checked = subprocess.run([NGINX, "-t", "-c", str(main), "-p", str(tmp_path)], capture_output=True, text=True,
                             timeout=30)
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen([NGINX, "-c", str(main), "-p", str(tmp_path), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"https://127.0.0.1:{https}"
        session = requests.Session()
        session.verify, session.trust_env = False, False    # self-signed; no proxy or CA bundle from the env
        session.headers["Host"] = HOST
        health = None
        for _ in range(100):                         # wait for nginx to listen (bounded polling)
            try:
                health = session.get(f"{base}/healthz", timeout=5)
                break
            except requests.ConnectionError as exc:
                error = exc
                time.sleep(0.05)
        assert health is not None, (error, nginx.poll(), (tmp_path / "error.log").read_text())
        assert health.status_code == 200 and health.json()["db"] == "ok"
        assert session.get(f"http://127.0.0.1:{http}/console/", allow_redirects=False).status_code == 301
        page = session.get(f"{base}/console/login", timeout=5)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
        refused = session.post(f"{base}/console/login", timeout=5, data={
            "csrf_token": token, "username": "nginx_admin", "password": "wrong password 1"},
            headers={"Referer": f"https://{HOST}/console/login", "X-Forwarded-For": "6.6.6.6"})
        assert "页面已过期" not in refused.text and "用户名或密码" in refused.text
        with app.app_context():
            from extensions import redis
            assert redis.get(keys.login_failures_ip("127.0.0.1")) == "1"
            assert redis.get(keys.login_failures_ip("6.6.6.6")) is None
        assert session.get(f"{base}/wechat.php", timeout=5).status_code == 404
    finally:
        nginx.terminate()
        nginx.communicate(timeout=10)   # waits and closes the stderr pipe
        server.shutdown()


def test_env_example_lists_every_setting():
    """Every variable config.py declares (config.SETTINGS) or gunicorn.conf.py reads appears in deploy/env.example."""
    source = (ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")
    names = (set(re.findall(r'env(?:iron)?\.(?:get|setdefault)\("([A-Z_]+)"', source))
             | {s.name for s in config.SETTINGS}) - {"TESTING"}
    example = (ROOT / "deploy" / "env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?([A-Z_]+)=", example, re.M))
    assert names and names <= listed, sorted(names - listed)
    assert set(config.PRODUCTION_REQUIRED) <= listed


def test_first_admin_reads_the_password_from_stdin_or_a_prompt(app, runner):
    """`staff create NAME --role admin --password-stdin` (or the prompt) creates the account without the password
    on the command line; a short one is refused with one line and a non-zero exit."""
    made = runner.invoke(args=["staff", "create", "first.admin", "--role", "admin", "--password-stdin"],
                         input="a-long-password-315\n")
    assert made.exit_code == 0, made.output
    prompted = runner.invoke(args=["staff", "create", "second.admin", "--role", "admin"],
                             input="another-long-pass\nanother-long-pass\n")
    assert prompted.exit_code == 0 and "another-long-pass" not in prompted.output
    short = runner.invoke(args=["staff", "create", "third", "--role", "admin", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and len(short.output.strip().splitlines()) == 1
    from services import staff
    from services.clock import utcnow
    with app.app_context():
        assert staff.authenticate(username="first.admin", password="a-long-password-315", ip="127.0.0.1",
                                  now=utcnow()).role == "admin"


def test_gunicorns_master_builds_the_qa_text_tools_before_forking_workers():
    """gunicorn.conf.py's when_ready (run by the master before any worker is forked) builds jieba and the text tables
    and freezes the collector, so every worker shares them instead of holding its own copy (issue 11: memory)."""
    probe = ("import gc, runpy, sys; sys.path.insert(0, '.'); hooks = runpy.run_path('gunicorn.conf.py'); "
             "from services import faq_snapshot; assert faq_snapshot._text is None; hooks['when_ready'](None); "
             "print(faq_snapshot._text is not None, gc.get_freeze_count() > 0)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True"]


def test_a_gunicorn_reload_gives_new_workers_the_code_on_disk_not_the_masters_copy():
    """After when_ready imported the project into the master, on_reload (HUP, the documented upgrade) forgets those
    modules and builds the text tools again: a worker forked afterwards imports services/ afresh from disk."""
    probe = ("import gc, runpy, sys; sys.path.insert(0, '.'); hooks = runpy.run_path('gunicorn.conf.py'); "
             "hooks['when_ready'](None); import services.faq_snapshot as old; import services.faq_text as old_text; "
             "hooks['on_reload'](None); import services.faq_snapshot as new; "
             "print(new is not old, new._text is not None and new._text is not old._text, "
             "sys.modules['services.faq_text'] is not old_text, gc.get_freeze_count() > 0)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True", "True", "True"]
