"""Page layouts: what the dashboard shows, built from component ids in layouts.ids."""
