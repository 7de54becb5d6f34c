"""Teacher exchanges (交流轮岗): who may do what, and each user action."""
