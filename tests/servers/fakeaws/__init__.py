"""fake-aws: a local AWS-compatible endpoint for rbc's tests (see ../README.md)."""
