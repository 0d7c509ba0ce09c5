"""The pinger behind `beatwatch ping` and `beatwatch run`: it runs on the machine a job runs
on, needs core alone, and starts fast."""
