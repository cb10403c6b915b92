"""tests/deploy: offline checks of the Kubernetes manifests, alerts, dashboards and Dockerfiles.

pytest runs with --import-mode=importlib, so the helpers module is put on sys.path here.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
