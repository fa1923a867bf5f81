"""What a run leaves behind: its record files and the comparison report."""
