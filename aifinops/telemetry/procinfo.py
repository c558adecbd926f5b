"""What a GPU process is: its command line, and its Kubernetes pod when it runs in one.

NVML gives only a pid and memory; the command line (`vllm serve meta-llama/…`, `torchrun …
train.py --model …`) is what lets views name the model. Read from /proc, cached per pid until the
pid leaves the GPU, best effort: a process in another pid namespace, or not ours to read, simply
has no command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MAX_COMMAND_CHARS = 2000


@dataclass(frozen=True)
class ProcessInfo:
    name: str | None = None
    command_line: str | None = None
    k8s_namespace: str | None = None
    k8s_pod: str | None = None
    k8s_container: str | None = None


class ProcReader:
    """Reads /proc (or a fake root in tests)."""

    def __init__(self, root: Path = Path("/proc")) -> None:
        self.root = root
        self._cache: dict[int, ProcessInfo] = {}

    def describe(self, pid: int) -> ProcessInfo:
        info = self._cache.get(pid)
        if info is None:
            info = self._read(pid)
            self._cache[pid] = info
        return info

    def forget_except(self, alive: set[int]) -> None:
        """Drop pids no longer on any GPU, so a reused pid is read afresh."""
        for pid in list(self._cache):
            if pid not in alive:
                del self._cache[pid]

    def _read(self, pid: int) -> ProcessInfo:
        base = self.root / str(pid)
        raw = _read_bytes(base / "cmdline")
        command = raw.rstrip(b"\0").replace(b"\0", b" ").decode("utf-8", "replace") or None
        if command and len(command) > MAX_COMMAND_CHARS:
            command = command[:MAX_COMMAND_CHARS] + "…"
        name = _read_bytes(base / "comm").decode("utf-8", "replace").strip() or None
        namespace = pod = container = None
        if b"kubepods" in _read_bytes(base / "cgroup"):
            env = dict(_env_pairs(_read_bytes(base / "environ")))
            pod = env.get("POD_NAME") or env.get("HOSTNAME")
            namespace = env.get("POD_NAMESPACE") or env.get("KUBERNETES_NAMESPACE")
            container = env.get("CONTAINER_NAME")
        return ProcessInfo(name, command, namespace, pod, container)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _env_pairs(raw: bytes) -> list[tuple[str, str]]:
    pairs = []
    for item in raw.split(b"\0"):
        key, sep, value = item.partition(b"=")
        if sep:
            pairs.append((key.decode("utf-8", "replace"), value.decode("utf-8", "replace")))
    return pairs
