"""Build hook: the installed package carries everything the app needs to run from anywhere.

The pages (templates/), the static files (static/) and the migrations (migrations/) live at the
top of the checkout, where developers work on them; a built package copies them into
booking/site/ and compiles the translation catalogues, so that an installed Treffpunkt serves
German pages from any working directory. Settings stay in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SITE_FOLDERS = ("templates", "static", "migrations")


class BuildWithSite(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's own folders
        package = Path(self.build_lib) / "booking"
        for name in SITE_FOLDERS:
            shutil.copytree(HERE / name, package / "site" / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        compile_catalogues(package / "translations")


def compile_catalogues(folder: Path) -> None:
    """messages.po -> messages.mo for every language, next to the built package's catalogues."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in folder.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parent.parent.name)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalogue)


setup(cmdclass={"build_py": BuildWithSite})
