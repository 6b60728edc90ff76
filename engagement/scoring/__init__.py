"""Leading indicators, scorecards, the weekly digest, its chart and alerts."""
