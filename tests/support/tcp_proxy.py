"""A small TCP proxy that can take the service behind it offline and back.

Tests point the application at the proxy, never at the service itself, so an
outage is a real one: `stop_listening()` closes the listening socket (new
connections are refused) and resets every live connection (pooled keep-alive
connections fail on their next use), while the service and its state keep
running behind it. `start_listening()` listens again on the same port.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .s3 import MotoS3Server

LOCALHOST = "127.0.0.1"
# SO_LINGER on with a zero timeout: close() sends RST instead of FIN.
_LINGER_RESET = struct.pack("ii", 1, 0)
_POLL_SECONDS = 0.1
_BUFFER_SIZE = 64 * 1024


def _reset(sock: socket.socket) -> None:
    """Close a socket abortively, so its peer sees ECONNRESET."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    sock.close()


class _Connection:
    """One client connection and, once made, its upstream connection."""

    def __init__(self, client: socket.socket) -> None:
        self.client = client
        self.upstream: socket.socket | None = None
        self.abort = threading.Event()
        self.thread: threading.Thread | None = None

    def wake(self) -> None:
        # Unblocks a thread stuck in sendall() to a peer that does not read.
        for sock in (self.client, self.upstream):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class TcpProxy:
    """Forwards 127.0.0.1:`port` to 127.0.0.1:`upstream_port`.

    One daemon thread accepts, one daemon thread per connection pumps bytes
    both ways; at most `max_connections` are open at once (more are reset).
    `close()` (or leaving the `with` block) stops every thread.
    """

    def __init__(
        self,
        upstream_port: int,
        *,
        port: int = 0,
        max_connections: int = 64,
        connect_timeout: float = 5.0,
        io_timeout: float = 60.0,
    ) -> None:
        self.host = LOCALHOST
        self.port = port
        self.upstream = (LOCALHOST, upstream_port)
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.io_timeout = io_timeout
        self._state_lock = threading.Lock()  # serialises start/stop/close
        self._connections_lock = threading.Lock()
        self._connections: set[_Connection] = set()
        self._accept_thread: threading.Thread | None = None
        self._stop_accepting = threading.Event()
        self._closed = False

    def __enter__(self):
        self.start_listening()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def listening(self) -> bool:
        return self._accept_thread is not None

    def start_listening(self) -> None:
        """Listen (again) on the proxy's port; does nothing if listening."""
        with self._state_lock:
            if self._closed:
                raise RuntimeError("the proxy is closed")
            if self._accept_thread is not None:
                return
            listener = self._bind()
            self.port = listener.getsockname()[1]
            self._stop_accepting = threading.Event()
            self._accept_thread = threading.Thread(
                target=self._accept_loop,
                args=(listener, self._stop_accepting),
                name=f"tcp-proxy-accept-{self.port}",
                daemon=True,
            )
            self._accept_thread.start()

    def stop_listening(self) -> None:
        """Refuse new connections and reset live ones; returns once all are gone."""
        with self._state_lock:
            if self._accept_thread is not None:
                self._stop_accepting.set()
                self._accept_thread.join()
                self._accept_thread = None
            with self._connections_lock:
                connections = list(self._connections)
            for connection in connections:
                connection.abort.set()
            for connection in connections:
                if connection.thread is None:
                    continue
                connection.thread.join(timeout=1)
                if connection.thread.is_alive():
                    connection.wake()
                    connection.thread.join(timeout=5)

    def close(self) -> None:
        self.stop_listening()
        self._closed = True

    def _bind(self) -> socket.socket:
        # SO_REUSEADDR lets the port be bound again at once although closed
        # connections on it may linger in TIME_WAIT; retry briefly in case
        # another socket holds it for a moment.
        deadline = time.monotonic() + 5
        while True:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listener.bind((self.host, self.port))
            except OSError:
                listener.close()
                if self.port == 0 or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
                continue
            listener.listen(128)
            listener.settimeout(_POLL_SECONDS)  # so the loop sees the stop flag
            return listener

    def _accept_loop(self, listener: socket.socket, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    client, _address = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    break
                connection = _Connection(client)
                with self._connections_lock:
                    if len(self._connections) >= self.max_connections:
                        _reset(client)
                        continue
                    self._connections.add(connection)
                connection.thread = threading.Thread(
                    target=self._pump,
                    args=(connection,),
                    name=f"tcp-proxy-conn-{self.port}",
                    daemon=True,
                )
                connection.thread.start()
        finally:
            listener.close()

    def _pump(self, connection: _Connection) -> None:
        client = connection.client
        aborted = True
        selector = selectors.DefaultSelector()
        try:
            # Connection refused upstream: the client sees a reset.
            upstream = socket.create_connection(
                self.upstream, timeout=self.connect_timeout
            )
            connection.upstream = upstream
            client.settimeout(self.io_timeout)
            upstream.settimeout(self.io_timeout)
            selector.register(client, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, client)
            open_directions = 2
            while open_directions and not connection.abort.is_set():
                for key, _events in selector.select(_POLL_SECONDS):
                    source, target = key.fileobj, key.data
                    data = source.recv(_BUFFER_SIZE)
                    if data:
                        target.sendall(data)
                        continue
                    # End of one direction: pass the half-close on.
                    selector.unregister(source)
                    open_directions -= 1
                    with contextlib.suppress(OSError):
                        target.shutdown(socket.SHUT_WR)
            aborted = connection.abort.is_set()
        except OSError:
            pass
        finally:
            selector.close()
            for sock in (client, connection.upstream):
                if sock is None:
                    continue
                if aborted:
                    _reset(sock)
                else:
                    sock.close()
            with self._connections_lock:
                self._connections.discard(connection)


class S3Endpoint(TcpProxy):
    """The S3 endpoint the application talks to: a proxy in front of moto.

    `stop()` is an outage, `start()` ends it; buckets and objects survive
    because the moto server behind keeps running.
    """

    def __init__(self, server: MotoS3Server, **proxy_options) -> None:
        super().__init__(server.port, **proxy_options)
        self.server = server
        self.bucket = server.bucket
        self.region = server.region

    @property
    def url(self) -> str:
        if not self.port:
            raise RuntimeError("the endpoint has not listened yet")
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.stop_listening()

    def start(self) -> None:
        self.start_listening()

    def client(self, **config_options):
        """A boto3 S3 client that goes through this endpoint (and its outages)."""
        return self.server.client(endpoint_url=self.url, **config_options)

    @property
    def environment(self) -> dict[str, str]:
        """The variables that point cms.settings at this endpoint (see base.py)."""
        return {
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": self.url,
            "S3_REGION": self.region,
            "S3_ACCESS_KEY_ID": self.server.access_key,
            "S3_SECRET_ACCESS_KEY": self.server.secret_key,
        }
