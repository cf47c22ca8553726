"""Benchmarks of live generation (`python -m bench`): model cost per note, time to first note
and concurrent real-time streams over real sockets. JSON out; not part of the test suite."""
