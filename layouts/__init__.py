"""Page layouts: layouts/shell.py (navigation around every page) and one module or package per
page (layouts/dashboard/), each with its component ids in one place."""
