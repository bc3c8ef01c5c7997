"""Reading device and spreadsheet exports: robust CSV, presets, mapping to measures."""
