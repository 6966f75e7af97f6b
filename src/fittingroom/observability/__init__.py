"""Logs and metrics: JSON logs carrying a request id from the HTTP edge into the worker that
runs the job (`logs.py`), and Prometheus metrics at /metrics (`metrics.py`)."""
