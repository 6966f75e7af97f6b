"""Jobs: records (the one place a job's status changes), submission, the runner and the queues."""
