"""Import-time stand-in for the `tokenizers` package (Rust; not installable here) in the transformers
peer's site. transformers 4.47.1 imports it unconditionally in integrations/ggml.py, which
configuration_utils pulls in, so `import transformers.models.qwen2` fails without it. Every name
resolves to a placeholder that refuses to be used. There is deliberately no dist-info:
transformers' is_tokenizers_available() stays False, so it never picks a fast tokenizer. The peers
feed token ids and use no tokenizer."""
import sys
import types

__version__ = "0.0.0+almkit.stub"


def _placeholder(qualname):
    def refuse(*args, **kwargs):
        raise RuntimeError(f"{qualname}: the tokenizers package is not installed (almkit's transformers peer has an import stub only)")

    return type(qualname.rsplit(".", 1)[-1], (), {"__init__": refuse, "__module__": qualname.rsplit(".", 1)[0]})


def _module_getattr(module_name):
    def getattr_(name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _placeholder(f"{module_name}.{name}")

    return getattr_


for _sub in ("decoders", "models", "normalizers", "pre_tokenizers", "processors", "trainers"):
    _module = types.ModuleType(f"{__name__}.{_sub}")
    _module.__getattr__ = _module_getattr(_module.__name__)
    sys.modules[_module.__name__] = _module
    globals()[_sub] = _module

__getattr__ = _module_getattr(__name__)
