"""`streamlit run app.py` in a clone: runs the dashboard's entrypoint, dashboard/app.py."""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parent / "dashboard" / "app.py"), run_name="__main__")
