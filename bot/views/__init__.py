"""Block Kit builders: pure functions of plain data, one module per surface."""
