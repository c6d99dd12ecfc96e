"""The FAQ engine: loading, checking and matching a FAQ directory it is given.

It never reads the environment; the application (``bot``) decides which directory to use.
"""

from pathlib import Path

SHIPPED_FAQ_DIR = Path(__file__).parent / "faq"
