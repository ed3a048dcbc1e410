"""What `bilateral serve` runs: the dashboard's entrypoint, dashboard/app.py.

It sits beside the dashboard package (in site-packages when installed) because the pages
link to each other by paths relative to the script Streamlit was started with
("dashboard/pages/pair.py"). In a clone, app.py does the same for `streamlit run app.py`.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parent / "dashboard" / "app.py"), run_name="__main__")
