"""Print the size of each Lambda zip and of the bootstrap binary inside it.

Usage: python3 infra/scripts/zip_sizes.py target/lambda/*/bootstrap.zip
"""

import os
import sys
import zipfile


def main(paths: list[str]) -> int:
    print(f"{'function':<18}{'zip bytes':>12}{'bootstrap bytes':>17}")
    for path in paths:
        name = os.path.basename(os.path.dirname(path))
        with zipfile.ZipFile(path) as zf:
            binary = zf.getinfo("bootstrap").file_size
        print(f"{name:<18}{os.path.getsize(path):>12}{binary:>17}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
