"""Teacher exchanges (交流轮岗) over HTTP."""
