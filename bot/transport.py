"""The HTTP transport under wechatpy: kept-alive connections, the environment read once, urllib3 for plain calls.

wechatpy calls `client._http.request(method=, url=, params=, data=, timeout=)` and reads a `requests.Response`.
`Transport` offers the same two methods. A plain API call (a GET, or a POST of the JSON bytes wechatpy encodes) goes
straight to a urllib3 pool and comes back as a `requests.Response`: requests' own layers (settings merge, cookies,
hooks, adapter) cost about as much CPU as the call itself, which matters when one-by-one delivery sends hundreds of
messages a second. Anything else (uploads, a proxy from the environment) goes through a `requests.Session`.
Network failures are raised as requests' exceptions either way (`ConnectTimeout` when no connection was made, so
nothing left), and neither path retries: a POST that may have reached WeChat is never sent twice by the transport.
"""
from __future__ import annotations

import os
from urllib.parse import urlencode

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

POOL_SIZE = 256              # kept-alive connections per host; keep ≥ PUBLICATION_WORKERS or sends beyond it reconnect


def http_session(api_base: str, *, pool_size: int = POOL_SIZE) -> requests.Session:
    """A requests session keeping up to `pool_size` connections alive per host. It reads the environment (proxy
    variables, CA bundle) once here rather than on every call, which requests would otherwise do (netrc included)."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.proxies = requests.utils.get_environ_proxies(api_base)
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    session.trust_env = False
    return session


class Transport:
    """`requests.Session.request`/`get` for wechatpy, over a urllib3 pool when the call is a plain one."""

    def __init__(self, api_base: str, *, pool_size: int = POOL_SIZE) -> None:
        self.session = http_session(api_base, pool_size=pool_size)
        self.pool: urllib3.PoolManager | None = None
        if not self.session.proxies:
            verify = self.session.verify
            self.pool = urllib3.PoolManager(num_pools=4, maxsize=pool_size, cert_reqs="CERT_REQUIRED",
                                            ca_certs=verify if isinstance(verify, str) else requests.certs.where())

    def request(self, method: str, url: str, params: dict | None = None, data: bytes | None = None,
                timeout: float | None = None, **rest) -> requests.Response:
        if self.pool is None or rest or not isinstance(data, (bytes, type(None))):
            return self.session.request(method, url, params=params, data=data, timeout=timeout, **rest)
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
        try:
            raw = self.pool.request(method.upper(), url, body=data, timeout=timeout, retries=False)
        except urllib3.exceptions.ConnectTimeoutError as exc:     # NewConnectionError too: nothing left
            raise requests.ConnectTimeout(exc) from exc
        except urllib3.exceptions.TimeoutError as exc:            # the request left; no answer in time
            raise requests.ReadTimeout(exc) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise requests.ConnectionError(exc) from exc
        response = requests.Response()
        response.status_code, response.reason, response.url = raw.status, raw.reason, url
        response.headers = CaseInsensitiveDict(raw.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = raw.data
        return response

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> requests.Response:
        return self.request("POST", url, **kwargs)
