"""Reference 1: a bare WSGI function doing only what any WeChat endpoint must — wechatpy signature check, AES
decrypt when asked, parse, and a fixed reply. No dedup, no state, no database. Used by bench_webhook.py."""
import os
from urllib.parse import parse_qs

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

TOKEN = os.environ["WECHAT_TOKEN"]
CRYPTO = WeChatCrypto(TOKEN, os.environ["WECHAT_AES_KEY"], os.environ["WECHAT_APP_ID"])


def app(environ, start_response):
    q = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    if environ["REQUEST_METHOD"] == "GET":          # the benchmark's readiness probe
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    check_signature(TOKEN, q["signature"], q["timestamp"], q["nonce"])
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    aes = q.get("encrypt_type") == "aes"
    if aes:
        body = CRYPTO.decrypt_message(body, q["msg_signature"], q["timestamp"], q["nonce"])
    reply = TextReply(content="您好，已收到。", message=parse_message(body)).render()
    if aes:
        reply = CRYPTO.encrypt_message(reply, q["nonce"], q["timestamp"])
    out = reply.encode()
    start_response("200 OK", [("Content-Type", "application/xml"), ("Content-Length", str(len(out)))])
    return [out]
