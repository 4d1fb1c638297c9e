"""The demo organisation: committed canonical CSV files (demo/) and the generator that writes them."""
