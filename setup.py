"""Build hook: ship the top-level rules/, templates/, examples/register.toml and config.example.toml in the wheel.

They stay at the top of the repository, where a council reads them (the project's layout), and land in the
wheel as spocmail/_data/..., where spocmail/resources.py finds them. An editable install reads the
checkout's own folders instead, so nothing is copied for it. The metadata is all in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA = ("rules", "templates", "examples/register.toml", "config.example.toml")


class BuildPyWithData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "spocmail" / "_data"
        if target.exists():  # a stale copy from an earlier build must not ship deleted files
            shutil.rmtree(target)
        for name in DATA:
            src, dst = ROOT / name, target / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".*", "__pycache__", "*~"))
            else:
                shutil.copy2(src, dst)


setup(cmdclass={"build_py": BuildPyWithData})
