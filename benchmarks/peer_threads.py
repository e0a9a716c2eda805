"""Thread count for the torch peers. torch.set_num_threads does not reach Debian's OpenBLAS (the
pthread build that torch's float32 products go through), so a peer asked for one thread still
multiplied on every core: measured 218 tokens/s for "1 thread" fp32 prefill 512 against 120 with
OPENBLAS_NUM_THREADS=1. OpenBLAS reads that variable only when it loads, so the peer re-executes
itself once with it set."""
import os
import sys


def pin_blas_threads(threads):
    if os.environ.get("OPENBLAS_NUM_THREADS") == str(threads):
        return
    os.environ["OPENBLAS_NUM_THREADS"] = str(threads)
    os.execv(sys.executable, [sys.executable] + sys.argv)
