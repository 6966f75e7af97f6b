"""The evaluation anyone can rerun: `fittingroom eval PEOPLE_DIR GARMENTS_DIR -o OUT_DIR`."""
