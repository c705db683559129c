"""A TCP proxy for fault tests: the application talks to a real service through it, and a test
cuts, stalls or restores the connection, as a network or a dying server would.

    with TcpProxy(("127.0.0.1", 6379)) as proxy:
        settings.CACHES[...]["LOCATION"] = f"redis://127.0.0.1:{proxy.port}/0"
        proxy.cut()      # live connections reset, new ones refused (nothing listens on the port)
        proxy.stall()    # connections accepted and kept open, but not a byte goes either way
        proxy.restore()  # forwarding again, on the same port

Faults are made at the TCP level, not by mocking a driver, so the drivers' own timeouts, retries
and error types are what the tests see. Threads, not asyncio: the tests and the Django code under
test are synchronous, and a proxy has a handful of connections.
"""

import contextlib
import socket
import struct
import threading

CHUNK = 65536


class TcpProxy:
    def __init__(self, target, *, host="127.0.0.1", port=0):
        self.target = target
        self.host = host
        self.port = port
        self._listener = None
        self._connections = set()
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()
        self._closed = False

    # --- life cycle --------------------------------------------------------------------------

    def start(self):
        self._listen()
        return self

    def stop(self):
        self._closed = True
        self._flowing.set()
        self._close_listener()
        self._drop_connections()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def address(self):
        return (self.host, self.port)

    # --- faults ------------------------------------------------------------------------------

    def cut(self):
        """The service is gone: every live connection is reset and new ones are refused."""
        self._close_listener()
        self._drop_connections()

    def stall(self):
        """The service hangs: connections are accepted and held, and no byte is forwarded."""
        self._flowing.clear()
        if self._listener is None:
            self._listen()

    def restore(self):
        """The service is back: forward again (connections held by a stall resume)."""
        self._flowing.set()
        if self._listener is None:
            self._listen()

    # --- internals ---------------------------------------------------------------------------

    def _listen(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _close_listener(self):
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone may not.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        try:
            upstream = socket.create_connection(self.target, timeout=5)
            upstream.settimeout(None)
        except OSError:
            _reset(client)
            return
        with self._lock:
            self._connections.update((client, upstream))
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream)

    def _pump(self, source, destination):
        try:
            while True:
                data = source.recv(CHUNK)
                if not data:
                    break
                self._flowing.wait()
                if self._closed:
                    break
                destination.sendall(data)
        except OSError:
            pass
        finally:
            self._forget(source, destination)

    def _forget(self, *sockets):
        with self._lock:
            for sock in sockets:
                self._connections.discard(sock)
        for sock in sockets:
            _reset(sock)

    def _drop_connections(self):
        with self._lock:
            connections, self._connections = self._connections, set()
        for sock in connections:
            _reset(sock)


def _reset(sock):
    """Close with a reset (RST), as a crashed peer does, rather than an orderly FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # SHUT_RD wakes a thread blocked in recv() on this socket; close() alone does not.
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        sock.close()
