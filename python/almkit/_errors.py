"""almkit's errors as Python exceptions: one class per almkit::ErrorCode, all under almkit.Error.

Each also derives from the built-in exception a Python user would expect (ValueError for a bad
argument, FileNotFoundError for a missing path, ...), so ordinary ``except`` clauses work too.
"""
import builtins

__all__ = [
    "Error", "InvalidArgumentError", "FileNotFoundError", "IoError", "InvalidFormatError",
    "ShapeMismatchError", "UnsupportedError", "NotFoundError", "CancelledError", "InternalError",
]


class Error(Exception):
    """An error almkit raised. ``code`` is almkit's error code (an int, as almkit::ErrorCode and
    the C API's almkit_status), ``code_name`` its name ("invalid_argument", ...), ``message``
    almkit's message (it names the file, tensor, field or value at fault)."""

    code = 0
    code_name = "unknown"

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self):
        return f"[{self.code_name}] {self.message}"


class InvalidArgumentError(Error, ValueError):
    """A caller passed a bad value (rate 0, empty audio, an unknown option)."""
    code, code_name = 1, "invalid_argument"


class FileNotFoundError(Error, builtins.FileNotFoundError):
    """A path that does not exist."""
    code, code_name = 2, "file_not_found"


class IoError(Error, OSError):
    """The OS refused a read or write."""
    code, code_name = 3, "io_error"


class InvalidFormatError(Error, ValueError):
    """A file exists but its content is corrupt, truncated or malformed."""
    code, code_name = 4, "invalid_format"


class ShapeMismatchError(Error, ValueError):
    """Arrays or buffers with the wrong shape or size."""
    code, code_name = 5, "shape_mismatch"


class UnsupportedError(Error, NotImplementedError):
    """Valid input almkit does not handle (an unknown model type or codec)."""
    code, code_name = 6, "unsupported"


class NotFoundError(Error, LookupError):
    """A named thing (tensor, field, token, tokenizer) is missing."""
    code, code_name = 7, "not_found"


class CancelledError(Error):
    """The caller asked to stop (a progress callback returned False)."""
    code, code_name = 8, "cancelled"


class InternalError(Error, RuntimeError):
    """A bug in almkit: please report it with the message."""
    code, code_name = 9, "internal"


_BY_CODE = {cls.code: cls for cls in (InvalidArgumentError, FileNotFoundError, IoError,
                                      InvalidFormatError, ShapeMismatchError, UnsupportedError,
                                      NotFoundError, CancelledError, InternalError)}


def from_code(code, message):
    """The exception for almkit error ``code`` (used by the binding's translator)."""
    cls = _BY_CODE.get(code)
    if cls is None:
        error = Error(message, code)
        return error
    return cls(message)
