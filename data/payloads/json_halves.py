"""A large JSON object read by two processes at once, each parsing and checking one half.

orjson parses on one core, and turning a parsed 100k x 480 features body into arrays takes about
as long again. With a second core, this process forks a child that does that work for the first
half of the object's members while this process does the second half; the child writes its
half's result (plain bytes) to a pipe and exits without tearing anything down (os._exit), so it
also skips freeing its half's millions of parsed objects. Used by data/payloads/features.py
(and by columnar.py for NDJSON, whose halves are simply the lines before and after a line break).

The cut. `split_point` picks a ',' right after a '}' near the middle of the body; the halves are

    first  = body[:cut] + "}"        second = "{" + body[cut + 1:]

and both are parsed as complete JSON. A JSON lexer reads left to right, so at `cut` the parser
of `first` is in the very state the parser of the whole body is in. `first` parses only if that
state is "inside the outer object, right after a complete member" (one '}' then ends the text;
inside a string it would be string content with no closing quote; anywhere deeper one '}' is
not enough). From there the whole body's parser reads the ',' and expects a member, where the
parser of `second` expects a member or '}' (an empty object): so when `second` parses and has at
least one member, the whole body parses too, and its members are the first half's followed by
the second half's — except that a key named in both halves is kept twice here, where a single
parse keeps its last value (the caller looks for that). When the body is valid JSON, both
halves are too. Any failure (a half that does not parse or check, a child that dies or stalls)
makes the caller read the whole body in one process, whose errors then word the answer.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
from typing import Callable, Iterable

import numpy as np

_SEARCH = 1 << 20  # bytes after the middle searched for a member boundary
_PIPE_BYTES = 1 << 20  # pipe buffer asked for: fewer, larger writes and reads
_STALL_SECONDS = 300.0  # no byte from the child for this long: it is stopped, the body read whole


def split_point(raw: bytes) -> int | None:
    """The offset of a '},' comma near the middle of `raw` (the cut), or None; None too for a
    body that does not open with '{' (after JSON's whitespace), which is read whole."""
    if not raw[:64].lstrip(b" \t\r\n").startswith(b"{"):
        return None
    middle = len(raw) // 2
    at = raw.find(b"},", middle, middle + _SEARCH)
    return None if at < 0 else at + 1


def first_half(raw: bytes, cut: int) -> bytes:
    return raw[:cut] + b"}"


def second_half(raw: bytes, cut: int) -> bytes:
    return b"{" + raw[cut + 1:]


def worth_splitting(raw: bytes, min_bytes: int) -> bool:
    """A body of at least `min_bytes` (0: never), on a machine where this process may use a
    second core and fork."""
    return 0 < min_bytes <= len(raw) and hasattr(os, "fork") and _usable_cores() > 1


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class ChildFailed(Exception):
    """The child process ended, or stalled, before sending its whole result."""


class Forked:
    """A child process running `job` (which returns the buffers to send) beside this one.

        with Forked(job) as child:
            ...                           # this process's own share of the work
            child.read_into(buffer)       # the child's bytes, in the order it sent them

    Leaving the block closes the pipe and reaps the child (killed first if it has not exited:
    this process gave up on it, or it is just exiting after sending everything)."""

    def __init__(self, job: Callable[[], Iterable]):
        self._job = job
        self._pid = 0
        self._fd = -1

    def __enter__(self) -> "Forked":
        """ChildFailed when no pipe or process can be had (too many open files or processes,
        no memory for the fork)."""
        try:
            read_fd, write_fd = os.pipe()
        except OSError as exc:
            raise ChildFailed(f"no pipe: {exc}") from None
        try:
            fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        except (AttributeError, OSError):  # the system's limit is lower: the default size
            pass
        # No signal handler of this process may run in the child before it has its own.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _CATCHABLE)
        try:
            pid = os.fork()
        except OSError as exc:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            os.close(read_fd)
            os.close(write_fd)
            raise ChildFailed(f"no child process: {exc}") from None
        if pid == 0:  # the child: never returns, never runs the parent's exit handlers
            try:
                _serve(self._job, write_fd, blocked)
            finally:
                os._exit(1)
        self._pid, self._fd = pid, read_fd
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        os.close(write_fd)
        return self

    def read_into(self, buffer) -> None:
        """Fill `buffer` (anything writable, e.g. a numpy array) with the child's next bytes.
        ChildFailed when it ended or stalled first."""
        view = memoryview(buffer).cast("B")
        poller = select.poll()  # not select(): a busy worker's descriptors may pass 1024
        poller.register(self._fd, select.POLLIN)
        got = 0
        while got < len(view):
            if not poller.poll(_STALL_SECONDS * 1000):
                raise ChildFailed(f"no byte from the child for {_STALL_SECONDS:.0f} s")
            n = os.readv(self._fd, [view[got:]])
            if n == 0:
                raise ChildFailed("the child ended before sending its whole result")
            got += n

    def read_array(self, count: int, dtype) -> np.ndarray:
        out = np.empty(count, dtype=dtype)
        self.read_into(out)
        return out

    def __exit__(self, *exc) -> None:
        os.close(self._fd)  # a child still writing gets EPIPE and ends
        try:
            ended, _ = os.waitpid(self._pid, os.WNOHANG)
            if not ended:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
        except ChildProcessError:  # already reaped elsewhere (e.g. SIGCHLD ignored)
            pass


_CATCHABLE = signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP}


def _serve(job: Callable[[], Iterable], fd: int, mask) -> None:
    """In the child: let go of every descriptor but the pipe's write end (other requests'
    sockets and pipes, the database's connections), take the default action for every signal,
    run `job`, write its buffers to `fd`, and exit (status 0 only when all was written). Nothing
    here takes a lock another thread of the parent may have held at fork."""
    status = 1
    try:
        os.closerange(3, fd)
        os.closerange(fd + 1, os.sysconf("SC_OPEN_MAX"))
        for sig in _CATCHABLE:
            try:
                signal.signal(sig, signal.SIG_DFL)
            except (OSError, ValueError):  # not settable here
                pass
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for buffer in job():
            view = memoryview(buffer).cast("B")
            while view:
                view = view[os.write(fd, view):]
        status = 0
    except BaseException:  # noqa: BLE001 - any failure: the parent reads the body itself
        pass
    finally:
        os._exit(status)
