"""The narrow seam between the sampler and NVML.

`Nvml` lists the few calls the sampler makes; `PynvmlBackend` implements them with the
`nvidia-ml-py` bindings (`import pynvml`) and turns NVML's error codes into the three cases the
sampler treats differently: a field this GPU does not support (a null), a GPU that fell off the
bus (reported once, then skipped), and no driver at all (one sentence, exit). Tests replace the
whole backend with a fake, or hand `PynvmlBackend` a fake `pynvml` module.
"""

from __future__ import annotations

from typing import Any, Protocol

# NVML return codes (nvml.h): the ones that change what the sampler does.
NVML_ERROR_DRIVER_NOT_LOADED = 9
NVML_ERROR_NOT_SUPPORTED = 3
NVML_ERROR_LIBRARY_NOT_FOUND = 12
NVML_ERROR_GPU_IS_LOST = 15
NVML_ERROR_FUNCTION_NOT_FOUND = 13
NVML_TEMPERATURE_GPU = 0
NVML_CLOCK_SM = 1


class NvmlError(Exception):
    """An NVML call failed for another reason (the message is NVML's)."""


class NotSupported(NvmlError):
    """This GPU (or driver) does not report the field: store a null."""


class GpuLost(NvmlError):
    """The GPU fell off the bus or needs a reset: NVML will not answer for it again."""


class NoDriver(NvmlError):
    """No NVIDIA driver (or no NVML library) on this machine."""


class Nvml(Protocol):
    """What the sampler needs from NVML. Units are NVML's own: bytes, milliwatts."""

    def init(self) -> None: ...
    def shutdown(self) -> None: ...
    def device_count(self) -> int: ...
    def handle(self, index: int) -> Any: ...
    def uuid(self, handle: Any) -> str: ...
    def name(self, handle: Any) -> str: ...
    def pci_bus_id(self, handle: Any) -> str: ...
    def utilization(self, handle: Any) -> tuple[float, float]: ...
    def memory_bytes(self, handle: Any) -> tuple[int, int]: ...
    def power_mw(self, handle: Any) -> float: ...
    def power_limit_mw(self, handle: Any) -> float: ...
    def temperature_c(self, handle: Any) -> float: ...
    def sm_clock_mhz(self, handle: Any) -> float: ...
    def processes(self, handle: Any) -> list[tuple[int, int | None]]: ...
    def process_name(self, pid: int) -> str | None: ...


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class PynvmlBackend:
    """`Nvml` over the pynvml module (nvidia-ml-py); `module` is for tests."""

    def __init__(self, module: Any | None = None) -> None:
        self._module = module

    @property
    def nv(self) -> Any:
        if self._module is None:
            try:
                import pynvml
            except ImportError as exc:
                raise NoDriver("the nvidia-ml-py package is not installed") from exc
            self._module = pynvml
        return self._module

    def _call(self, name: str, *args: Any) -> Any:
        nv = self.nv
        try:
            return getattr(nv, name)(*args)
        except nv.NVMLError as exc:
            code = getattr(exc, "value", None)
            if code in (NVML_ERROR_NOT_SUPPORTED, NVML_ERROR_FUNCTION_NOT_FOUND):
                raise NotSupported(str(exc)) from exc
            if code == NVML_ERROR_GPU_IS_LOST:
                raise GpuLost(str(exc)) from exc
            if code in (NVML_ERROR_LIBRARY_NOT_FOUND, NVML_ERROR_DRIVER_NOT_LOADED):
                raise NoDriver(str(exc)) from exc
            raise NvmlError(str(exc)) from exc

    def init(self) -> None:
        self._call("nvmlInit")

    def shutdown(self) -> None:
        self._call("nvmlShutdown")

    def device_count(self) -> int:
        return int(self._call("nvmlDeviceGetCount"))

    def handle(self, index: int) -> Any:
        return self._call("nvmlDeviceGetHandleByIndex", index)

    def uuid(self, handle: Any) -> str:
        return _text(self._call("nvmlDeviceGetUUID", handle))

    def name(self, handle: Any) -> str:
        return _text(self._call("nvmlDeviceGetName", handle))

    def pci_bus_id(self, handle: Any) -> str:
        return _text(self._call("nvmlDeviceGetPciInfo", handle).busId)

    def utilization(self, handle: Any) -> tuple[float, float]:
        rates = self._call("nvmlDeviceGetUtilizationRates", handle)
        return float(rates.gpu), float(rates.memory)

    def memory_bytes(self, handle: Any) -> tuple[int, int]:
        info = self._call("nvmlDeviceGetMemoryInfo", handle)
        return int(info.used), int(info.total)

    def power_mw(self, handle: Any) -> float:
        return float(self._call("nvmlDeviceGetPowerUsage", handle))

    def power_limit_mw(self, handle: Any) -> float:
        return float(self._call("nvmlDeviceGetEnforcedPowerLimit", handle))

    def temperature_c(self, handle: Any) -> float:
        return float(self._call("nvmlDeviceGetTemperature", handle, NVML_TEMPERATURE_GPU))

    def sm_clock_mhz(self, handle: Any) -> float:
        return float(self._call("nvmlDeviceGetClockInfo", handle, NVML_CLOCK_SM))

    def processes(self, handle: Any) -> list[tuple[int, int | None]]:
        procs = self._call("nvmlDeviceGetComputeRunningProcesses", handle)
        return [(int(p.pid), None if p.usedGpuMemory is None else int(p.usedGpuMemory))
                for p in procs]

    def process_name(self, pid: int) -> str | None:
        try:
            return _text(self._call("nvmlSystemGetProcessName", pid)) or None
        except NvmlError:
            return None
