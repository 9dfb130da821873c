"""Flashsite's own settings for the test servers, with static files collected elsewhere.

The servers run with DEBUG off, so the hashed static files must be collected;
they go to a temporary folder, never to the project's staticfiles/. The
storage is production's, hashed names and manifest included; only the gzip
and Brotli copies are skipped, which take half a minute and no test reads.
"""

import os

from flashsite.settings import *  # noqa: F403

STATIC_ROOT = os.environ["FLASHSITE_TEST_STATIC_ROOT"]
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = ["css", "js", "svg", "map", "txt", "html", "json", "png"]
