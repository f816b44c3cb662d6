"""Project histories rebuilt from the snapshots (the as-of view), stage spells and the year's events."""
