"""Builds the almkit Python package through almkit's CMake build (no network: setuptools, CMake,
Ninja and pybind11 as Debian ships them).

The module is the CMake target almkit_python (python/CMakeLists.txt); it is built in
$ALMKIT_BUILD_DIR (default: the repository's build/, shared with scripts/build.sh, so a tree that
is already built only compiles the binding) and copied into the wheel with libalmkit.so.0
beside it (the module finds it through its $ORIGIN RPATH).
"""
import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


def project_version():
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        return re.search(r"project\(almkit VERSION ([0-9.]+)", f.read()).group(1)


def cached_python(build_dir):
    cache = os.path.join(build_dir, "CMakeCache.txt")
    if not os.path.exists(cache):
        return None
    with open(cache) as f:
        match = re.search(r"^PYTHON_EXECUTABLE:[A-Z]+=(.*)$", f.read(), re.M)
    return match.group(1) if match else None


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("ALMKIT_BUILD_DIR") or os.path.join(ROOT, "build")
        python = os.path.realpath(sys.executable)
        configured = cached_python(build_dir)
        if configured is None or os.path.realpath(configured) != python:
            # A build folder made for another interpreter keeps its own; this one gets a folder
            # of its own rather than reconfiguring a shared tree behind its owner's back.
            if configured is not None:
                build_dir = os.path.join(build_dir, "pip-" + sys.implementation.cache_tag)
            subprocess.check_call(["cmake", "-S", ROOT, "-B", build_dir, "-G", "Ninja",
                                   "-DCMAKE_BUILD_TYPE=Release", f"-DPYTHON_EXECUTABLE={python}",
                                   "-DALMKIT_BUILD_PYTHON=ON"])
        env = dict(os.environ, ALMKIT_BUILD_DIR=build_dir)
        subprocess.check_call([os.path.join(ROOT, "scripts", "build.sh"), "almkit_python"], env=env)

        package_dir = os.path.join(build_dir, "python", "almkit")
        modules = [f for f in os.listdir(package_dir) if f.startswith("_almkit.") and f.endswith(".so")]
        if len(modules) != 1:
            raise RuntimeError(f"expected one _almkit module in {package_dir}, found {modules}")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(package_dir, modules[0]), target)
        library = os.path.realpath(os.path.join(build_dir, "src", "libalmkit.so.0"))
        shutil.copyfile(library, os.path.join(os.path.dirname(target), "libalmkit.so.0"))


setup(
    version=project_version(),
    packages=["almkit"],
    package_dir={"": "python"},
    package_data={"almkit": ["*.pyi", "py.typed"]},
    ext_modules=[CMakeExtension("almkit._almkit")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
    # setuptools' own staging goes under the CMake build folder, not beside it.
    options={"build": {"build_base": os.path.join("build", "setuptools")},
             "egg_info": {"egg_base": os.path.join("build", "setuptools")}},
)
