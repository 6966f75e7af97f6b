"""Try-on providers: the `Provider` protocol and its implementations."""
