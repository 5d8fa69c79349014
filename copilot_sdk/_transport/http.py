"""The transport: one ``requests.Session`` per client. Its errors are translated
in ``errormap`` (the one place where ``requests``/``urllib3`` exceptions become
copilot_sdk errors); a successful reply is read through ``response``.

Thread-safe: a :class:`Transport` is shared by every thread of a client. Each
request is prepared here (``requests.PreparedRequest``: settings fixed per client
are resolved once, not merged again on every call) and sent straight through the
adapter (``CancellableAdapter.open``: the host's pool, looked up once, and urllib3's
reply read as it is, without a ``requests.Response`` built around it), which is safe
for concurrent use; no cookies are kept, proxies are resolved once per host. The
proxy and URL caches are guarded by ``self._lock``.

Abort: a request made with a :class:`CancelToken` registers "shut this socket" on
the token for the connection it uses (see ``sockets``), from the moment urllib3
takes it from the pool until the response is closed, so abort stops a request that
is waiting for headers or in the middle of a stream.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
import urllib.parse
from typing import TYPE_CHECKING, Any, Callable, List, Mapping, Optional, Tuple

import attrs

from ..errors import AbortedError, ConfigurationError, status_error
from .cancel import CancelToken
from .checks import number
from .errormap import error_excerpt, strip_query, translate
from .headers import parse_retry_after
from .redact import secret_values
from .response import HTTPResponse, close_reply

if TYPE_CHECKING:
    import requests
    from urllib3.connection import HTTPConnection

logger = logging.getLogger("copilot_sdk.http")

__all__ = ["HTTPResponse", "Timeouts", "Transport", "is_loopback_url"]

@attrs.frozen(kw_only=True)
class Timeouts:
    """Seconds: to connect, to wait for a non-streamed reply, between stream chunks."""

    connect: float = attrs.field(default=10.0, validator=number("timeout"))
    read: float = attrs.field(default=600.0, validator=number("timeout"))
    stream_idle: float = attrs.field(default=60.0, validator=number("stream_idle_timeout"))


def is_loopback_url(url: str) -> bool:
    """True for URLs whose host is localhost or a loopback address."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

class Transport:
    """Sends HTTP requests with timeouts; knows nothing of sessions or wire formats.

    Thread-safe: one Transport serves every thread of a client. The
    ``requests.Session`` holds no per-call state (cookies off, proxies resolved here
    and passed per call); the per-host proxy cache is guarded by ``self._lock``; the
    per-request cancel state is thread-local (see ``sockets``).

    Args:
        max_workers: how many requests may run at once (the pool size).
        timeouts: connect/read/stream-idle timeouts.
        allow_insecure_http: allow plain http:// to hosts other than loopback.
        user_agent: the User-Agent header.
    """

    def __init__(
        self,
        *,
        max_workers: int,
        timeouts: Timeouts,
        allow_insecure_http: bool = False,
        user_agent: str = "copilot_sdk",
    ) -> None:
        # requests and urllib3 load with the first transport, not with copilot_sdk.
        import http.cookiejar
        from urllib.request import getproxies

        import requests

        from .sockets import CancellableAdapter, local

        self._local = local
        self.timeouts = timeouts
        self.allow_insecure_http = allow_insecure_http
        self._session = requests.Session()
        # Environment settings are resolved once, here, not on every request.
        self._session.trust_env = False
        # No cookies: a shared jar would be per-call state mutated by every thread.
        self._session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._session.headers = requests.structures.CaseInsensitiveDict(
            {"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"}
        )
        self._verify: Any = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        adapter = CancellableAdapter(pool_connections=8, pool_maxsize=max(max_workers, 1) + 4, max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._adapter = adapter  # requests go straight to it (see _prepare)
        import urllib3

        self._timeout = urllib3.Timeout(connect=timeouts.connect, read=timeouts.read)
        self._env_proxies = getproxies()
        self._lock = threading.Lock()
        self._proxy_cache: dict[Tuple[str, str], dict[str, str]] = {}  # guarded by self._lock
        self._loopback: set[str] = set()  # http hosts found loopback; added under self._lock
        self._prepared_urls: dict[str, str] = {}  # url -> prepared url; written under self._lock

    def _proxies_for(self, url: str) -> dict[str, str]:
        parts = urllib.parse.urlsplit(url)
        key = (parts.scheme, parts.netloc)
        with self._lock:
            cached = self._proxy_cache.get(key)
        if cached is not None:
            return cached
        proxy = self._env_proxies.get(parts.scheme) or self._env_proxies.get("all")
        from urllib.request import proxy_bypass

        bypass = proxy is None or proxy_bypass(parts.hostname or "")
        proxies: dict[str, str] = {} if bypass or not proxy else {parts.scheme: proxy}
        with self._lock:
            self._proxy_cache[key] = proxies
        return proxies

    def _prepare(
        self,
        method: str,
        url: str,
        headers: Optional[Mapping[str, str]],
        json_body: Any,
        data: Optional[Mapping[str, str]],
        params: Optional[Mapping[str, str]],
    ) -> requests.PreparedRequest:
        """What ``Session.request`` would send, without its per-call merging of
        settings that are fixed for this client (cookies off, no auth, no hooks, no
        environment): the client's headers under the call's, the URL prepared once
        per distinct URL, the body encoded as requests encodes it."""
        import requests

        prepared = requests.PreparedRequest()
        prepared.method = method.upper()
        if params:
            prepared.prepare_url(url, params)
        else:
            cached = self._prepared_urls.get(url)  # a dict lookup: safe without the lock
            if cached is None:
                prepared.prepare_url(url, None)
                with self._lock:
                    if len(self._prepared_urls) >= 256:
                        self._prepared_urls.clear()
                    self._prepared_urls[url] = str(prepared.url)
            else:
                prepared.url = cached
        # The call's headers after the client's: prepare_headers keeps the last of
        # two names that differ in case only, as a CaseInsensitiveDict update would.
        prepared.prepare_headers({**self._session.headers, **headers} if headers else self._session.headers)
        prepared.prepare_body(data, None, json_body)
        return prepared

    def check_url(self, url: str) -> None:
        """Raise ConfigurationError for a URL with credentials in it, or a plain-http
        URL that is not allowed."""
        parts = urllib.parse.urlsplit(url)
        if "@" in parts.netloc:
            # From an environment variable or a discovery reply: never quoted.
            raise ConfigurationError(
                f"refusing {strip_query(url)!r} with credentials in the URL (user:password@): "
                "they would show up in logs and errors; pass them as api_key=, bearer_token= "
                "or headers="
            )
        scheme = parts.scheme
        if scheme == "https" or (scheme == "http" and self.allow_insecure_http):
            return
        if scheme != "http":
            raise ConfigurationError(f"unsupported URL scheme in {strip_query(url)!r}: use https://")
        netloc = url.split("/", 3)[2] if url.count("/") >= 2 else url
        if netloc in self._loopback:  # a set lookup: safe without the lock
            return
        if not is_loopback_url(url):
            raise ConfigurationError(
                f"refusing plain http:// to {strip_query(url)!r}: credentials would travel unencrypted; "
                "use https://, a loopback host, or CopilotClient(allow_insecure_http=True)"
            )
        with self._lock:
            self._loopback.add(netloc)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Optional[Mapping[str, str]] = None,
        json_body: Any = None,
        data: Optional[Mapping[str, str]] = None,
        params: Optional[Mapping[str, str]] = None,
        stream: bool = False,
        cancel: Optional[CancelToken] = None,
        what: str = "",
    ) -> HTTPResponse:
        """Send one request; return the 2xx response or raise our error.

        Args:
            what: who is calling, for error messages (e.g. "openai provider").
            stream: read the body incrementally: the read timeout covers the
                wait for the headers and the first chunk, the stream idle timeout
                each silence after that.
        """
        self.check_url(url)
        if cancel is not None and cancel.cancelled:
            raise AbortedError("the turn was aborted")
        local = self._local
        local.token = cancel
        local.conn = None
        local.removers = []
        removers: List[Callable[[], None]] = local.removers
        try:
            with translate(url, cancel):
                # Never followed: redirects would carry api-key/x-api-key and
                # custom headers to another host, past check_url.
                response = self._adapter.open(
                    self._prepare(method, url, headers, json_body, data, params),
                    self._timeout, self._verify, self._proxies_for(url),
                )
        except BaseException:
            _release(removers)
            raise
        finally:
            conn: Optional[HTTPConnection] = local.conn
            local.token, local.removers, local.conn = None, [], None
        status: int = response.status
        logger.debug("%s %s -> %d", method, strip_query(url), status)
        if 300 <= status < 400:
            location = response.headers.get("location", "?")
            close_reply(response)
            _release(removers)
            raise status_error(
                status,
                f"{what + ': ' if what else ''}{status} redirect from {method} "
                f"{strip_query(url)} to {strip_query(location)} not followed (credentials "
                "would go along); use the final URL as base_url",
                url=strip_query(url),
            )
        if status >= 400 or status < 200:
            try:
                with translate(url, cancel):
                    excerpt = error_excerpt(response, secret_values(headers or {}))
            finally:
                close_reply(response)
                _release(removers)
            prefix = f"{what}: " if what else ""
            reason = response.reason or ""
            message = f"{prefix}{status} {reason} from {method} {strip_query(url)}"
            if excerpt:
                message += f": {excerpt}"
            raise status_error(
                status,
                message,
                url=strip_query(url),
                request_id=response.headers.get("x-request-id")
                or response.headers.get("request-id")
                or response.headers.get("x-github-request-id"),
                body=excerpt,
                retry_after=parse_retry_after(response.headers),
            )
        return HTTPResponse(
            response,
            url,
            lambda: _release(removers),
            conn=conn,
            idle_timeout=self.timeouts.stream_idle if stream else None,
            cancel=cancel,
            sent_headers=headers,
        )

    def close(self) -> None:
        self._session.close()


def _release(removers: List[Callable[[], None]]) -> None:
    while removers:
        removers.pop()()

