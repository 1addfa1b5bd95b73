import pathlib
import re
import tomllib
import unittest

import plasmite

HERE = pathlib.Path(__file__).resolve().parent.parent


class VersionTest(unittest.TestCase):
    def test_version_matches_pyproject(self):
        project = tomllib.loads((HERE / "pyproject.toml").read_text())["project"]
        self.assertEqual(plasmite.__version__, project["version"])

    def test_version_is_pep440(self):
        self.assertRegex(plasmite.__version__, r"^\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?$")

    def test_version_line(self):
        self.assertEqual(plasmite.version_line(), f"plasmite {plasmite.__version__}")

    def test_version_matches_the_rust_crate(self):
        cargo = (HERE.parent.parent / "Cargo.toml").read_text()
        crate = re.search(r'^version = "([^"]+)"', cargo, re.M).group(1)
        pep440 = re.sub(r"-(alpha|beta|rc)\.(\d+)", lambda m: {"alpha": "a", "beta": "b", "rc": "rc"}[m[1]] + m[2], crate)
        self.assertEqual(plasmite.__version__, pep440)


if __name__ == "__main__":
    unittest.main()
