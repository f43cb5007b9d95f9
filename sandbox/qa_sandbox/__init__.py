"""A built-in sandbox of the vendor APIs: real HTTP on loopback, for the demo and the tests."""
