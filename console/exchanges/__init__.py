"""Teacher exchanges (交流轮岗) in the console."""
