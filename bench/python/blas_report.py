"""Which BLAS library this process's PyTorch really calls, for the side-by-side benchmarks.

Debian's python3-torch is built with BLAS_INFO=generic: it calls sgemm_ from whatever libblas.so.3 the dynamic loader
finds, which is the reference BLAS (libblas3) unless an optimised one such as OpenBLAS (libopenblas0-pthread) is
installed and selected by update-alternatives. The benchmarks run each script twice, once as the system is set up and
once with the reference BLAS preloaded (LD_PRELOAD), and this module names the library that provides the sgemm_ symbol
the process resolves, read from /proc/self/maps after a matrix product has run.
"""
import ctypes


def blas_in_use():
    """A short description such as 'OpenBLAS (/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3)'."""
    import torch
    a = torch.ones(64, 64)
    (a @ a).sum().item()  # make sure the BLAS path has been used (and its library loaded)
    with open("/proc/self/maps") as maps:
        lines = maps.readlines()
    # The loader resolves libtorch's sgemm_ in the global scope first (the program and LD_PRELOAD), then in libtorch's
    # own dependency tree; dlsym on the same handles in the same order finds the same definition.
    torch_cpu = next((l.split()[5] for l in lines if len(l.split()) >= 6 and "libtorch_cpu" in l.split()[5]), None)
    address = None
    for handle in [None] + ([torch_cpu] if torch_cpu else []):
        try:
            address = ctypes.cast(ctypes.CDLL(handle).sgemm_, ctypes.c_void_p).value
            break
        except (AttributeError, OSError):
            continue
    if address is None:
        return "no sgemm_ symbol found (PyTorch uses its own kernels)"
    for line in lines:
        parts = line.split()
        start, end = (int(x, 16) for x in parts[0].split("-"))
        if start <= address < end and len(parts) >= 6:
            path = parts[5]
            name = "OpenBLAS" if "openblas" in path else "MKL" if "mkl" in path else \
                "BLIS" if "blis" in path else "reference BLAS" if "/blas/" in path or "libblas" in path else "unknown"
            return f"{name} ({path})"
    return "unknown (sgemm_ not in a mapped file)"


if __name__ == "__main__":
    print(blas_in_use())
