"""GPU detection for /health: by asking the driver, never assumed.

With PyTorch installed and CUDA usable, its allocator's figures are reported. Otherwise NVML
(the NVIDIA driver's management library, through nvidia-ml-py) tells whether a GPU is there;
NVML has no allocator view, so `memory_allocated_gb` and `memory_reserved_gb` are both the
memory in use on the device.
"""

from __future__ import annotations

import contextlib
from typing import Any

GIB = 1024**3


def gpu_status() -> tuple[bool, dict[str, Any] | None]:
    """(cuda_available, gpu) with gpu = None or
    {"gpu_name", "memory_allocated_gb", "memory_reserved_gb", "total_memory_gb"}."""
    torch_status = _from_torch()
    if torch_status is not None:
        return True, torch_status
    return _from_nvml()


def _from_torch() -> dict[str, Any] | None:
    try:
        import torch  # optional: only if the deployment installed it
    except ImportError:
        return None
    try:
        if not torch.cuda.is_available():
            return None
        props = torch.cuda.get_device_properties(0)
        return {
            "gpu_name": props.name,
            "memory_allocated_gb": round(torch.cuda.memory_allocated(0) / GIB, 2),
            "memory_reserved_gb": round(torch.cuda.memory_reserved(0) / GIB, 2),
            "total_memory_gb": round(props.total_memory / GIB, 2),
        }
    except Exception:
        return None


def _from_nvml() -> tuple[bool, dict[str, Any] | None]:
    try:
        import pynvml
    except ImportError:
        return False, None
    try:
        pynvml.nvmlInit()
    except Exception:  # no driver, no device: the normal case on a CPU server
        return False, None
    try:
        if pynvml.nvmlDeviceGetCount() < 1:
            return False, None
        handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        name = pynvml.nvmlDeviceGetName(handle)
        memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
        used = round(int(memory.used) / GIB, 2)
        return True, {
            "gpu_name": name.decode() if isinstance(name, bytes) else str(name),
            "memory_allocated_gb": used,
            "memory_reserved_gb": used,
            "total_memory_gb": round(int(memory.total) / GIB, 2),
        }
    except Exception:
        return False, None
    finally:
        with contextlib.suppress(Exception):
            pynvml.nvmlShutdown()
