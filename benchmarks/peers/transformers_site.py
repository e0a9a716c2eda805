"""Puts the transformers peer's site (.cache/peers/transformers/site, made by
`benchmarks/peers/build_peer.sh transformers ...`) on sys.path and works around the one thing of
Debian's torch 1.13 that transformers 4.47.1 trips over on Python 3.11: `import
torch.distributed.fsdp` raises (torch 1.13's sharded_tensor metadata dataclass has a mutable
default, which Python 3.11 refuses), and transformers imports it in generate() only to ask whether
the model is wrapped in FullyShardedDataParallel. When that import fails, a module with a
FullyShardedDataParallel class that no model is an instance of stands in (the reference fixtures'
generator did the same). Import this before transformers; it changes nothing in transformers."""
import os
import sys
import types

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.environ.get("ALMKIT_TRANSFORMERS_SITE",
                      os.path.join(os.environ.get("ALMKIT_PEERS_DIR", os.path.join(REPO, ".cache", "peers")),
                                   "transformers", "site"))

if not os.path.isfile(os.path.join(SITE, "transformers", "__init__.py")):
    sys.exit(f"no transformers peer at {SITE}: run benchmarks/peers/build_peer.sh transformers TRANSFORMERS_GIT_DIR HUB_GIT_DIR")
if SITE not in sys.path:
    sys.path.insert(0, SITE)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
import torch.distributed  # noqa: E402

try:
    import torch.distributed.fsdp  # noqa: F401
    FSDP_STUBBED = False
except ValueError:  # "mutable default ... for field tensor_properties is not allowed"
    fsdp = types.ModuleType("torch.distributed.fsdp")
    fsdp.FullyShardedDataParallel = type("FullyShardedDataParallel", (), {})
    sys.modules["torch.distributed.fsdp"] = torch.distributed.fsdp = fsdp
    FSDP_STUBBED = True
